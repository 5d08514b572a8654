// SPDX-License-Identifier: MIT
#include "OutboundChannel.h"

#include "MessageFactory.h"

#include <QLoggingCategory>

#include <algorithm>
#include <utility>

// The same category as SyncManager's: one switch for the whole sync.
Q_LOGGING_CATEGORY(lcOutbound, "optiverse.collab.sync", QtInfoMsg)

namespace Optiverse::Collab {

OutboundChannel::OutboundChannel(Transport transport, QObject *parent)
    : QObject(parent)
    , m_transport(std::move(transport))
{
    m_clock.start();
    configurePacing();
    connect(&m_sendTimer, &QTimer::timeout, this, &OutboundChannel::drain);
    m_lossTimer.setSingleShot(true);
    m_lossTimer.setInterval(LossTimeoutMs);
    connect(&m_lossTimer, &QTimer::timeout, this, &OutboundChannel::onLossTimeout);
    m_recentTimer.setSingleShot(true);
    connect(&m_recentTimer, &QTimer::timeout, this, &OutboundChannel::expireRecent);
    m_retryTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &OutboundChannel::retryUnstored);
}

void OutboundChannel::open(const Connection &connection)
{
    m_connection = connection;
    configurePacing();
    m_limiter.fill();
    m_connectionFirstSeq = m_nextClientSeq;
    m_lastHandedSeq = m_lossWatermark = 0;
}

void OutboundChannel::close()
{
    // Still unacknowledged: sent again, with new client_seqs, after the resync.
    m_outbox.clear();
    m_sendTimer.stop();
    m_lossTimer.stop();
    m_retryTimer.stop(); // what waits to be stored is re-sent after the resync
}

bool OutboundChannel::send(const Command &command, qint64 *size)
{
    const bool sequenced = m_connection.sequenced;
    const qint64 clientSeq = sequenced ? m_nextClientSeq : -1;
    QByteArray bytes = MessageFactory::toBytes(MessageFactory::command(m_connection.userId, command, clientSeq));
    const qint64 limit = m_connection.maxMessageBytes;
    if (limit > 0 && bytes.size() > limit) {
        // The server would close the connection (1009), and the re-send after
        // the reconnect would too.
        if (size)
            *size = bytes.size();
        return false;
    }
    if (sequenced) {
        ++m_nextClientSeq;
        m_unacked.insert(clientSeq, command);
    } else {
        // Original servers never acknowledge; the edit stays recent for a
        // while so that a host's push composed before it cannot undo it.
        m_recent.append({m_clock.elapsed(), command});
        if (!m_recentTimer.isActive())
            m_recentTimer.start(RecentWindowMs + 1);
    }
    m_outbox.append({clientSeq, std::move(bytes)});
    drain();
    return true;
}

void OutboundChannel::drain()
{
    // Below the server's per-connection limit: above it the server drops
    // messages, and a replay of many offline edits would lose most of them.
    // Ordinary editing never waits.
    while (!m_outbox.isEmpty() && m_limiter.tryAcquire()) {
        const Outgoing out = m_outbox.takeFirst();
        if (m_transport(out.bytes)) {
            ++m_commandsSent;
            m_lastHandedSeq = std::max(m_lastHandedSeq, out.clientSeq);
        }
    }
    if (m_outbox.isEmpty())
        m_sendTimer.stop();
    else if (!m_sendTimer.isActive())
        m_sendTimer.start();
}

void OutboundChannel::setSendRate(int perSecond, int burst)
{
    m_rateOverride = std::max(0, perSecond);
    m_burstOverride = std::max(1, burst);
    configurePacing();
}

void OutboundChannel::configurePacing()
{
    // Below what the server advertises: presence and pings share its bucket
    // (75 % of the rate), and the join's own messages its burst (half).
    const qint64 rate = m_connection.maxRate, burst = m_connection.burst;
    if (m_rateOverride > 0)
        m_limiter.configure(m_rateOverride, m_burstOverride);
    else if (rate > 0)
        m_limiter.configure(int(std::max<qint64>(1, rate * 3 / 4)), int(std::max<qint64>(1, burst / 2)));
    else
        m_limiter.configure(DefaultSendRate, DefaultSendBurst);
    m_sendTimer.setInterval(1000 / m_limiter.rate() + 1);
}

void OutboundChannel::rateLimited()
{
    // Pause: the server refills its bucket while ours starts again from empty.
    m_limiter.drain();
    if (!m_outbox.isEmpty() && !m_sendTimer.isActive())
        m_sendTimer.start();
    if (!m_connection.sequenced)
        return;
    // Only the first drop of a run is announced, and its answers may still be
    // on their way: what was handed to the socket so far and is still
    // unanswered when the timer fires was dropped.
    m_lossWatermark = std::max(m_lossWatermark, m_lastHandedSeq);
    m_lossTimer.start();
    qCInfo(lcOutbound).nospace() << "the server dropped messages above its rate limit (we send at most "
                                 << m_limiter.rate() << "/s): pausing; commands up to client_seq " << m_lossWatermark
                                 << " still unanswered in " << LossTimeoutMs << " ms will be re-sent";
}

void OutboundChannel::onLossTimeout()
{
    QList<Command> lostCommands;
    for (auto it = m_unacked.lowerBound(m_connectionFirstSeq); it != m_unacked.end() && it.key() <= m_lossWatermark;) {
        m_presumedLost.insert(it.key());
        lostCommands.append(*it);
        it = m_unacked.erase(it);
    }
    if (!lostCommands.isEmpty()) {
        m_lostByTimeout += quint64(lostCommands.size());
        emit lost(lostCommands, QStringLiteral("no answer after a rate_limited error"));
    }
    // Drops after the announced one (same run) are not announced again:
    // whatever has been sent meanwhile and is still unanswered is checked once
    // more, until everything handed to the socket has an answer.
    const auto next = m_unacked.lowerBound(m_connectionFirstSeq);
    if (next != m_unacked.end() && next.key() <= m_lastHandedSeq) {
        m_lossWatermark = m_lastHandedSeq;
        m_lossTimer.start();
    }
}

void OutboundChannel::storageFailed(qint64 clientSeq)
{
    detectGap(clientSeq);
    const auto it = m_unacked.find(clientSeq);
    if (it != m_unacked.end()) {
        m_unstored.insert(it.key(), *it);
        m_unacked.erase(it);
    }
    if (!m_storageFailing)
        m_retryFloor = m_nextClientSeq; // only what is sent from now on can show it works again
    setStorageFailing(true);
    // One retry for everything that waits: failures of the same burst must
    // not each double the backoff.
    if (!m_unstored.isEmpty() && !m_retryTimer.isActive())
        m_retryTimer.start(m_retryDelayMs);
}

void OutboundChannel::confirmStored(qint64 ownClientSeq)
{
    if (!m_storageFailing)
        return;
    if (!m_unstored.isEmpty()) {
        // The server stores again (another command went through): no reason
        // to wait out the backoff.
        m_retryDelayMs = RetryFirstMs;
        if (m_retryTimer.remainingTime() != 0)
            m_retryTimer.start(0);
        return;
    }
    if (ownClientSeq >= m_retryFloor)
        setStorageFailing(false);
}

void OutboundChannel::retryUnstored()
{
    if (m_unstored.isEmpty())
        return;
    const QList<Command> commands = m_unstored.values();
    m_unstored.clear();
    m_retryFloor = m_nextClientSeq;
    m_retryDelayMs = std::min(m_retryDelayMs * 2, RetryMaxMs);
    qCInfo(lcOutbound).nospace() << "sending again " << commands.size()
                                 << " command(s) the server could not store (next retry in "
                                 << m_retryDelayMs / 1000 << " s if it still cannot)";
    emit retryDue(commands);
    // Nothing was left to send (the session already agrees): nothing waits.
    if (m_unstored.isEmpty() && m_unacked.lowerBound(m_retryFloor) == m_unacked.end())
        setStorageFailing(false);
}

void OutboundChannel::setStorageFailing(bool failing)
{
    if (m_storageFailing == failing)
        return;
    m_storageFailing = failing;
    if (!failing) {
        m_retryDelayMs = RetryFirstMs;
        m_retryTimer.stop();
    }
    emit storageFailingChanged(failing);
}

const Command *OutboundChannel::unacknowledged(qint64 clientSeq) const
{
    const auto it = m_unacked.constFind(clientSeq);
    return it == m_unacked.constEnd() ? nullptr : &*it;
}

void OutboundChannel::detectGap(qint64 clientSeq)
{
    if (clientSeq < m_connectionFirstSeq) // an answer to an earlier connection (replay)
        return;
    QList<Command> lostCommands;
    for (auto it = m_unacked.lowerBound(m_connectionFirstSeq); it != m_unacked.end() && it.key() < clientSeq;) {
        lostCommands.append(*it);
        it = m_unacked.erase(it);
    }
    if (lostCommands.isEmpty())
        return;
    m_lostByGap += quint64(lostCommands.size());
    emit lost(lostCommands, QStringLiteral("a later command was answered"));
}

std::optional<Command> OutboundChannel::acknowledge(qint64 clientSeq)
{
    detectGap(clientSeq);
    const auto it = m_unacked.find(clientSeq);
    if (it == m_unacked.end())
        return std::nullopt;
    Command command = std::move(*it);
    m_unacked.erase(it);
    return command;
}

bool OutboundChannel::forgetPresumedLost(qint64 clientSeq)
{
    return m_presumedLost.remove(clientSeq);
}

QList<Command> OutboundChannel::takeUnacknowledged()
{
    m_unacked.insert(m_unstored); // client_seqs are unique: one list in sending order
    m_unstored.clear();
    QList<Command> out = m_unacked.values();
    m_unacked.clear();
    setStorageFailing(false); // the caller sends them again: their answers will tell
    return out;
}

QList<Command> OutboundChannel::takeUndelivered(bool connectionWasLost)
{
    // What the server refused to store never reached the session either.
    QMap<qint64, Command> undelivered = std::exchange(m_unstored, {});
    for (auto it = m_unacked.cbegin(); it != m_unacked.cend(); ++it)
        if (connectionWasLost || it.key() < m_connectionFirstSeq || it.key() > m_lastHandedSeq)
            undelivered.insert(it.key(), it.value());
    m_unacked.clear();
    m_presumedLost.clear();
    setStorageFailing(false);
    return undelivered.values();
}

QSet<QString> OutboundChannel::recentItemIds() const
{
    QSet<QString> items;
    for (const Recent &r : m_recent)
        items.insert(r.command.itemId);
    return items;
}

void OutboundChannel::expireRecent()
{
    const qint64 now = m_clock.elapsed();
    while (!m_recent.isEmpty() && m_recent.constFirst().sentAtMs + RecentWindowMs <= now)
        emit recentExpired(m_recent.takeFirst().command);
    if (!m_recent.isEmpty())
        m_recentTimer.start(int(m_recent.constFirst().sentAtMs + RecentWindowMs - now) + 1);
}

} // namespace Optiverse::Collab
