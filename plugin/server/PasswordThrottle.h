// SPDX-License-Identifier: MIT
#pragma once

#include <QHash>
#include <QList>
#include <QString>

namespace Optiverse::Collab {

/**
 * Paces session-password checks so that guessing is slow from one address
 * and from many, without ever locking out the right password.
 *
 * - Server-wide budget: at most checksPerSecond checks a second (as many at
 *   once). Connections beyond it wait their turn, served round robin between
 *   addresses, so a flood from one address or many does not push an honest
 *   member to the back of one long line.
 * - Per address: the refusal of a wrong password waits delayPerFailureMs for
 *   each wrong password from that address in the last minute (up to
 *   maxDelayMs). The connection holds its handshake slot meanwhile, so an
 *   address's guesses in flight are bounded by its handshake cap.
 * - A right password is accepted when checked, whatever happened before.
 *
 * Time is passed in (milliseconds on any monotonic clock) so that the
 * policy can be tested without waiting.
 */
class PasswordThrottle
{
public:
    struct Limits
    {
        int checksPerSecond = 20;
        qint64 delayPerFailureMs = 250;
        qint64 maxDelayMs = 10000;
        qint64 failureMemoryMs = 60000; ///< a wrong password counts for this long
        int maxAddresses = 4096;        ///< addresses with failures remembered; beyond: maxDelayMs for newcomers
    };

    PasswordThrottle() : PasswordThrottle(Limits()) {}
    explicit PasswordThrottle(const Limits &limits);

    /// Connection @p ticket from @p address waits for its check.
    void enqueue(quint64 ticket, const QString &address);
    /// It left while waiting.
    void remove(quint64 ticket);
    int waiting() const { return int(m_addressOf.size()); }

    /// The next ticket to check now (taking one check from the budget), or 0
    /// if none waits or the budget is spent.
    quint64 takeNext(qint64 nowMs);
    /// Milliseconds until takeNext() can give one; -1 if none waits.
    qint64 msUntilNext(qint64 nowMs) const;

    /// A wrong password from @p address: counts it and returns how long its
    /// refusal waits.
    qint64 recordFailure(const QString &address, qint64 nowMs);
    /// Wrong passwords from @p address still remembered at @p nowMs.
    int recentFailures(const QString &address, qint64 nowMs) const;
    /// Forgets failures older than failureMemoryMs (call now and then).
    void prune(qint64 nowMs);

private:
    void refill(qint64 nowMs);

    Limits m_limits;
    qint64 m_credit = 0;
    qint64 m_refilledAt = -1;
    QHash<quint64, QString> m_addressOf;         // waiting ticket -> address
    QHash<QString, QList<quint64>> m_queues;     // address -> its waiting tickets, oldest first
    QList<QString> m_turns;                      // addresses with waiting tickets, next to serve first
    QHash<QString, QList<qint64>> m_failures;    // address -> times of its recent wrong passwords
};

} // namespace Optiverse::Collab
