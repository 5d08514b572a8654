// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>

namespace Optiverse::Collab {

/// Token bucket: @p ratePerSecond tokens are added per second up to @p burst;
/// each message takes one. Monotonic clock, no timers. The server limits each
/// connection with one; our client paces its commands with another, set below
/// the server's advertised limits.
class RateLimiter
{
public:
    RateLimiter(int ratePerSecond, int burst);

    /// Takes a token; false when the bucket is empty (the message is dropped
    /// or waits).
    bool tryAcquire();
    /// Messages refused since the last accepted one.
    int consecutiveDrops() const { return m_drops; }

    /// New rate and burst (each at least 1); tokens above the new burst are lost.
    void configure(int ratePerSecond, int burst);
    /// A full bucket (e.g. a new connection: the server's bucket is full too).
    void fill();
    /// An empty bucket, refilling from now (a pause).
    void drain();
    int rate() const { return int(m_rate); }
    int burst() const { return int(m_burst); }

private:
    void refill();

    double m_rate;
    double m_burst;
    double m_tokens;
    qint64 m_lastNs = 0;
    int m_drops = 0;
    QElapsedTimer m_clock;
};

} // namespace Optiverse::Collab
