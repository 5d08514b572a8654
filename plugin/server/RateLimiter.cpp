// SPDX-License-Identifier: MIT
#include "RateLimiter.h"

#include <algorithm>

namespace Optiverse::Collab {

RateLimiter::RateLimiter(int ratePerSecond, int burst)
    : m_rate(std::max(1, ratePerSecond)), m_burst(std::max(1, burst)), m_tokens(m_burst)
{
    m_clock.start();
}

bool RateLimiter::tryAcquire()
{
    const qint64 now = m_clock.nsecsElapsed();
    m_tokens = std::min(m_burst, m_tokens + double(now - m_lastNs) * m_rate / 1e9);
    m_lastNs = now;
    if (m_tokens >= 1.0) {
        m_tokens -= 1.0;
        m_drops = 0;
        return true;
    }
    ++m_drops;
    return false;
}

} // namespace Optiverse::Collab
