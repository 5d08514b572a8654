// SPDX-License-Identifier: MIT
#include "PasswordThrottle.h"

#include <algorithm>

namespace Optiverse::Collab {

namespace {
// The budget is counted in thousandths of a check, so that a millisecond
// earns a whole number of them (checksPerSecond) and nothing is lost to rounding.
constexpr qint64 Check = 1000;
} // namespace

PasswordThrottle::PasswordThrottle(const Limits &limits) : m_limits(limits)
{
    m_limits.checksPerSecond = qMax(1, m_limits.checksPerSecond);
    m_credit = m_limits.checksPerSecond * Check;
}

void PasswordThrottle::enqueue(quint64 ticket, const QString &address)
{
    if (m_addressOf.contains(ticket))
        return;
    m_addressOf.insert(ticket, address);
    QList<quint64> &queue = m_queues[address];
    if (queue.isEmpty())
        m_turns.append(address);
    queue.append(ticket);
}

void PasswordThrottle::remove(quint64 ticket)
{
    const auto it = m_addressOf.find(ticket);
    if (it == m_addressOf.end())
        return;
    const QString address = it.value();
    m_addressOf.erase(it);
    QList<quint64> &queue = m_queues[address];
    queue.removeOne(ticket);
    if (queue.isEmpty()) {
        m_queues.remove(address);
        m_turns.removeOne(address);
    }
}

void PasswordThrottle::refill(qint64 nowMs)
{
    if (m_refilledAt >= 0 && nowMs > m_refilledAt)
        m_credit = std::min(m_limits.checksPerSecond * Check, m_credit + (nowMs - m_refilledAt) * m_limits.checksPerSecond);
    m_refilledAt = std::max(m_refilledAt, nowMs);
}

quint64 PasswordThrottle::takeNext(qint64 nowMs)
{
    refill(nowMs);
    if (m_turns.isEmpty() || m_credit < Check)
        return 0;
    m_credit -= Check;
    // Round robin: this address goes to the back of the line if it has more.
    const QString address = m_turns.takeFirst();
    QList<quint64> &queue = m_queues[address];
    const quint64 ticket = queue.takeFirst();
    m_addressOf.remove(ticket);
    if (queue.isEmpty())
        m_queues.remove(address);
    else
        m_turns.append(address);
    return ticket;
}

qint64 PasswordThrottle::msUntilNext(qint64 nowMs) const
{
    if (m_turns.isEmpty())
        return -1;
    qint64 credit = m_credit;
    if (m_refilledAt >= 0 && nowMs > m_refilledAt)
        credit += (nowMs - m_refilledAt) * m_limits.checksPerSecond;
    if (credit >= Check)
        return 0;
    return (Check - credit + m_limits.checksPerSecond - 1) / m_limits.checksPerSecond;
}

int PasswordThrottle::recentFailures(const QString &address, qint64 nowMs) const
{
    const QList<qint64> times = m_failures.value(address);
    return int(std::count_if(times.cbegin(), times.cend(),
                             [&](qint64 t) { return nowMs - t < m_limits.failureMemoryMs; }));
}

qint64 PasswordThrottle::recordFailure(const QString &address, qint64 nowMs)
{
    // Enough failures to reach the longest delay are all that is kept.
    const int keep = int(qMax<qint64>(1, m_limits.maxDelayMs / qMax<qint64>(1, m_limits.delayPerFailureMs)));
    auto it = m_failures.find(address);
    if (it == m_failures.end()) {
        if (m_failures.size() >= m_limits.maxAddresses)
            prune(nowMs);
        // Still too many addresses remembered: a rotation of addresses, whose
        // newcomers get no head start.
        if (m_failures.size() >= m_limits.maxAddresses)
            return m_limits.maxDelayMs;
        it = m_failures.insert(address, {});
    }
    QList<qint64> &times = it.value();
    times.erase(std::remove_if(times.begin(), times.end(),
                               [&](qint64 t) { return nowMs - t >= m_limits.failureMemoryMs; }),
                times.end());
    times.append(nowMs);
    while (times.size() > keep)
        times.removeFirst();
    return std::min(m_limits.maxDelayMs, m_limits.delayPerFailureMs * times.size());
}

void PasswordThrottle::prune(qint64 nowMs)
{
    for (auto it = m_failures.begin(); it != m_failures.end();) {
        if (it->isEmpty() || nowMs - it->constLast() >= m_limits.failureMemoryMs)
            it = m_failures.erase(it);
        else
            ++it;
    }
}

} // namespace Optiverse::Collab
