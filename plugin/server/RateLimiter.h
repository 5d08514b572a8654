// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>

namespace Optiverse::Collab {

/// Token bucket: @p ratePerSecond tokens are added per second up to @p burst;
/// each message takes one. Monotonic clock, no timers.
class RateLimiter
{
public:
    RateLimiter(int ratePerSecond, int burst);

    /// Takes a token; false when the bucket is empty (the message is dropped).
    bool tryAcquire();
    /// Messages refused since the last accepted one.
    int consecutiveDrops() const { return m_drops; }

private:
    double m_rate;
    double m_burst;
    double m_tokens;
    qint64 m_lastNs = 0;
    int m_drops = 0;
    QElapsedTimer m_clock;
};

} // namespace Optiverse::Collab
