// SPDX-License-Identifier: MIT
#include "RateLimiter.h"

#include <algorithm>

namespace Optiverse::Collab {

RateLimiter::RateLimiter(int ratePerSecond, int burst)
    : m_rate(std::max(1, ratePerSecond)), m_burst(std::max(1, burst)), m_tokens(m_burst)
{
    m_clock.start();
}

void RateLimiter::refill()
{
    const qint64 now = m_clock.nsecsElapsed();
    m_tokens = std::min(m_burst, m_tokens + double(now - m_lastNs) * m_rate / 1e9);
    m_lastNs = now;
}

bool RateLimiter::tryAcquire()
{
    refill();
    if (m_tokens >= 1.0) {
        m_tokens -= 1.0;
        m_drops = 0;
        return true;
    }
    ++m_drops;
    return false;
}

void RateLimiter::configure(int ratePerSecond, int burst)
{
    refill(); // at the old rate up to now
    m_rate = std::max(1, ratePerSecond);
    m_burst = std::max(1, burst);
    m_tokens = std::min(m_tokens, m_burst);
}

void RateLimiter::fill()
{
    m_tokens = m_burst;
    m_lastNs = m_clock.nsecsElapsed();
}

void RateLimiter::drain()
{
    m_tokens = 0;
    m_lastNs = m_clock.nsecsElapsed();
}

} // namespace Optiverse::Collab
