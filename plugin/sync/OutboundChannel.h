// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "RateLimiter.h"

#include <QElapsedTimer>
#include <QList>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <optional>

namespace Optiverse::Collab {

/**
 * Our commands on their way to the server: the outbound half of SyncManager,
 * with no socket of its own (it sends through a function, so it is tested
 * without one).
 *
 * - Each command gets a client_seq (servers that sequence) and waits in an
 *   outbox paced by a RateLimiter below the server's per-connection limit
 *   (75 % of the rate and half the burst its connection:ack advertises;
 *   150/s, burst 300 when it advertises none), since it drops what comes
 *   above it.
 * - It stays unacknowledged until the server answers it (echo or
 *   command:rejected). The server answers a connection's commands in order,
 *   so an answer for client_seq N means every unanswered one before N was
 *   lost; after a rate_limited error, what was handed to the socket and is
 *   still unanswered LossTimeoutMs later was lost too. Lost commands are
 *   reported (lost()) for the caller to make good; their late echo, if any,
 *   is recognised (forgetPresumedLost()).
 * - A command the server could not store (storage_failed, e.g. a full disk)
 *   is not dropped: it waits, still unacknowledged, and is handed back for
 *   sending again (retryDue()) after a backoff of RetryFirstMs doubling to
 *   RetryMaxMs, or at once when the server is seen storing a command again.
 *   isStorageFailing() holds from the first such refusal until a command
 *   sent since the last retry is stored, so the user can be told.
 * - Original servers never answer: a sent command counts as recent for
 *   RecentWindowMs (a host's push composed before it cannot undo it), then
 *   recentExpired().
 *
 * GUI thread only; the timers are members (no heap ownership).
 */
class OutboundChannel : public QObject
{
    Q_OBJECT
public:
    /// Hands bytes to the socket; false when the socket would not take them.
    using Transport = std::function<bool(const QByteArray &bytes)>;

    /// What the connection's connection:ack said.
    struct Connection
    {
        QString userId;
        bool sequenced = false;      ///< our server: client_seq, acknowledgements
        qint64 maxRate = 0;          ///< advertised limits; 0: none advertised
        qint64 burst = 0;
        qint64 maxMessageBytes = 0;
    };

    explicit OutboundChannel(Transport transport, QObject *parent = nullptr);

    /// A new connection: the server's bucket is full again, maybe with other
    /// limits; commands still unacknowledged belong to earlier connections.
    void open(const Connection &connection);
    /// The connection is gone: nothing more is handed to it. Unacknowledged
    /// commands are kept (takeUnacknowledged() re-sends them after a resync).
    void close();

    /// Queues @p command for sending. False, with its size in @p size, when it
    /// is larger than the server accepts (it would close the connection).
    bool send(const Command &command, qint64 *size = nullptr);

    /// The unacknowledged command sent as @p clientSeq, or null.
    const Command *unacknowledged(qint64 clientSeq) const;
    /// The server answered @p clientSeq: earlier unanswered ones (this
    /// connection) were lost (lost() is emitted); it is taken and returned.
    std::optional<Command> acknowledge(qint64 clientSeq);
    /// Only the gap check of acknowledge().
    void detectGap(qint64 clientSeq);
    /// @p clientSeq was presumed lost and re-sent: forgets it, true if it was.
    bool forgetPresumedLost(qint64 clientSeq);
    void clearPresumedLost() { m_presumedLost.clear(); }
    /// The server dropped messages above its rate: pause; what is unanswered
    /// after the loss timeout is lost.
    void rateLimited();
    /// The server could not store @p clientSeq (storage_failed; -1 when it did
    /// not say which): earlier unanswered ones were lost (lost()); the command
    /// waits for retryDue(). Storage is failing from now on.
    void storageFailed(qint64 clientSeq);
    /// The server stored a command (it relays only what it stored), ours when
    /// @p ownClientSeq >= 0: what waits is retried at once, and once nothing
    /// waits and a command sent since the last retry is stored, storage works.
    void confirmStored(qint64 ownClientSeq = -1);
    bool isStorageFailing() const { return m_storageFailing; }
    /// Commands waiting to be sent again because the server could not store them.
    int unstoredCount() const { return int(m_unstored.size()); }

    /// All unacknowledged commands (those waiting to be stored too), in
    /// sending order, no longer tracked.
    QList<Command> takeUnacknowledged();
    /// Leaving: unacknowledged commands that never got out (still paced, or
    /// from an earlier connection, or all when @p connectionWasLost) and those
    /// the server could not store, no longer tracked; what else was handed to
    /// the socket counts as delivered.
    QList<Command> takeUndelivered(bool connectionWasLost);
    /// Original servers: the items of the commands sent in the recent window.
    QSet<QString> recentItemIds() const;

    /// Overrides the advertised pace (@p perSecond 0: back to it).
    void setSendRate(int perSecond, int burst);
    int sendRate() const { return m_limiter.rate(); }
    int sendBurst() const { return m_limiter.burst(); }

    int unacknowledgedCount() const { return int(m_unacked.size() + m_unstored.size()); }
    int queuedCount() const { return int(m_outbox.size()); }
    quint64 commandsSent() const { return m_commandsSent; }
    quint64 lostFoundByGap() const { return m_lostByGap; }
    quint64 lostFoundAfterTimeout() const { return m_lostByTimeout; }

    static constexpr int DefaultSendRate = 150; ///< servers that advertise no limit
    static constexpr int DefaultSendBurst = 300;
    static constexpr int LossTimeoutMs = 1000;
    static constexpr int RecentWindowMs = 3000;
    static constexpr int RetryFirstMs = 1000; ///< first retry after storage_failed
    static constexpr int RetryMaxMs = 30000;  ///< the backoff doubles up to this

signals:
    /// Commands the server never received, in sending order; @p how says how
    /// it was found (for the log).
    void lost(const QList<Optiverse::Collab::Command> &commands, const QString &how);
    /// Original servers: @p command left the recent window.
    void recentExpired(const Optiverse::Collab::Command &command);
    /// Commands the server could not store, in sending order, to be sent
    /// again (as the scene shows their items now).
    void retryDue(const QList<Optiverse::Collab::Command> &commands);
    void storageFailingChanged(bool failing);

private:
    void drain();
    void configurePacing();
    void onLossTimeout();
    void expireRecent();
    void retryUnstored();
    void setStorageFailing(bool failing);

    Transport m_transport;
    Connection m_connection;
    qint64 m_nextClientSeq = 1;
    quint64 m_commandsSent = 0;
    QMap<qint64, Command> m_unacked; // by client_seq, i.e. in sending order

    struct Outgoing
    {
        qint64 clientSeq; // -1 for original servers
        QByteArray bytes;
    };
    QList<Outgoing> m_outbox;
    int m_rateOverride = 0; // setSendRate()
    int m_burstOverride = 0;
    RateLimiter m_limiter{DefaultSendRate, DefaultSendBurst};
    QTimer m_sendTimer;

    qint64 m_connectionFirstSeq = 1; // client_seqs below belong to earlier connections
    qint64 m_lastHandedSeq = 0;      // highest client_seq handed to the socket on this connection
    qint64 m_lossWatermark = 0;      // unanswered up to here when the loss timer fires: lost
    QTimer m_lossTimer;
    QSet<qint64> m_presumedLost; // reported lost after the timeout; their echo may still come
    quint64 m_lostByGap = 0;
    quint64 m_lostByTimeout = 0;

    QMap<qint64, Command> m_unstored; // refused with storage_failed, by client_seq
    QTimer m_retryTimer;
    int m_retryDelayMs = RetryFirstMs;
    qint64 m_retryFloor = 0; // commands from this client_seq on were sent since the last retry
    bool m_storageFailing = false;

    struct Recent
    {
        qint64 sentAtMs;
        Command command;
    };
    QList<Recent> m_recent;
    QElapsedTimer m_clock;
    QTimer m_recentTimer;
};

} // namespace Optiverse::Collab
