// SPDX-License-Identifier: MIT
#pragma once

#include <QElapsedTimer>
#include <QtGlobal>

namespace Optiverse::Collab {

/**
 * A token bucket of server time (milliseconds), for work whose cost is only
 * known once done (history requests): the work is charged what it took, and
 * the bucket may go below zero; the next piece of work waits until it is
 * back at zero. A flood therefore slows the flooder, whatever each request
 * costs, instead of being counted in messages.
 */
class CostBucket
{
public:
    CostBucket(double msPerSecond, double burstMs) : m_rate(msPerSecond), m_burst(burstMs), m_ms(burstMs)
    {
        m_clock.start();
    }

    /// True when work may run now.
    bool ready() { return credit() >= 0; }
    /// Charges @p ms of work done.
    void charge(double ms) { m_ms = credit() - ms; }
    /// Milliseconds until ready() (0 when it is).
    int waitMs()
    {
        const double c = credit();
        return c >= 0 ? 0 : int(-c * 1000.0 / m_rate) + 1;
    }

private:
    double credit()
    {
        m_ms = qMin(m_burst, m_ms + m_clock.restart() * m_rate / 1000.0);
        return m_ms;
    }

    double m_rate;
    double m_burst;
    double m_ms;
    QElapsedTimer m_clock;
};

} // namespace Optiverse::Collab
