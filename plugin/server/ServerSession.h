// SPDX-License-Identifier: MIT
#pragma once

#include "CostBucket.h"
#include "HistoryRequest.h"
#include "MessageFactory.h"
#include "OperationLog.h"
#include "SessionModel.h"
#include "SessionOwner.h"

#include <QList>
#include <QObject>
#include <QThreadPool>
#include <QString>
#include <QElapsedTimer>
#include <QTimer>
#include <QHash>
#include <QSet>
#include <QJsonArray>
#include <deque>
#include <optional>

namespace Optiverse::Collab {

class ClientConnection;
class HistoryBudget;
class Message;
class SessionStore;
struct ServerConfig;

/**
 * One collaboration session: its members, host, scene (SessionModel), order
 * (seq) and the history of relayed messages used for resume.
 *
 * Every accepted change is stored (when a SessionStore is set) before any
 * member is told about it. Nothing here is shared with other sessions.
 */
class ServerSession : public QObject
{
    Q_OBJECT
public:
    ServerSession(const QString &id, const ServerConfig &config, SessionStore *store, QObject *parent = nullptr);
    ~ServerSession() override;

    /// Reads the session from the store (no-op without one).
    bool load(QString *error);

    QString id() const { return m_id; }
    qint64 seq() const { return m_seq; }
    const SessionModel &state() const { return m_state; }
    int userCount() const { return int(m_members.size()); }
    bool isFull() const;
    ClientConnection *host() const { return m_host; }
    /// The owner's connection while the owner is here (see SessionOwner).
    ClientConnection *owner() const { return m_ownerConnection; }
    /// Every accepted operation since the session's base.
    const OperationLog &operationLog() const { return m_log; }

    /// The server-wide limits this session's history answers to: the memory
    /// budget it reports to, and the time all history requests may take.
    /// @p serializer (may be null: then on this thread) writes large
    /// history replies off the server's thread; it must outlive the session's
    /// pending work (CollabServer's pool waits for its jobs when destroyed).
    void setHistoryLimits(HistoryBudget *budget, CostBucket *serverCost, QThreadPool *serializer = nullptr);
    /// Bytes the history holds in memory (operation log and resume messages).
    qint64 historyBytes() const { return m_log.footprint() + m_resumeBytes; }
    /// Trims the history to at most @p bytes: the oldest operations leave
    /// memory (folded into the base scene without a store; still on disk
    /// with one) and so do the oldest resume messages.
    void trimHistory(qint64 bytes);

    /// Adds @p connection under a unique user id derived from @p requestedName,
    /// sends connection:ack (and, to original clients, the state) and tells
    /// the others.
    /// Adds @p connection as @p requestedName (made unique). Its ack lists
    /// @p otherSessions when it is alone in this session.
    void join(ClientConnection *connection, const QString &requestedName,
              const QList<MessageFactory::AckSession> &otherSessions = {});
    /// Removes @p connection, tells the others, hands the host role on.
    void leave(ClientConnection *connection);
    /// One inbound text message of a member (already rate limited).
    void handleText(ClientConnection *from, const QString &text);
    /// Sends a WebSocket close to every member.
    void closeAll(int code, const QString &reason);

signals:
    /// No member for ServerConfig::idleUnloadMs.
    void idle(Optiverse::Collab::ServerSession *session);

private:
    struct HistoryEntry
    {
        qint64 seq;
        QString text;
    };

    QString uniqueUserId(const QString &requestedName) const;
    /// The colour slot for @p userId joining now: the one they had in this
    /// session, else the one their id prefers, else the next free one.
    int colorIndexFor(const QString &userId) const;
    void handleCommand(ClientConnection *from, const Message &message, const QByteArray &utf8);
    void handleSyncRequest(ClientConnection *from, qint64 since);
    void handleFullState(ClientConnection *from, const Message &message);
    void handlePresence(ClientConnection *from, const Message &message);
    /// Decides whether @p connection (joining) owns the session: it proves
    /// it with the owner's token, or it creates an ownerless session. Returns
    /// the token to give it when it was made the owner now.
    QString settleOwner(ClientConnection *connection);
    /// Makes @p connection the owner with a new token (stored first, with a
    /// store; the previous token is void from then on). Empty on failure,
    /// nothing changed.
    QString makeOwner(ClientConnection *connection);
    void handleTransferOwner(ClientConnection *from, const QString &userId);
    void sendError(ClientConnection *to, const QString &code, const QString &message);
    QByteArray fullStateUtf8() const;
    void sendState(ClientConnection *to);
    /// @p message (received as @p utf8) as relayed: stamped with @p seq and
    /// the sender's user id.
    QString relayedText(const Message &message, const QByteArray &utf8, const QString &userId, qint64 seq) const;
    void updateMessageLimits();
    void broadcast(const QString &text, ClientConnection *except);
    // Original clients' sync:request in a session that never had items, held
    // back (see handleSyncRequest()).
    bool holdsSyncRequests() const { return m_state.neverHadItems() && !m_pushSeen; }
    void holdSyncRequest(ClientConnection *from);
    bool releaseHeldSync(ClientConnection *connection);
    void answerHeldSyncRequests(ClientConnection *except, bool onlyExpired);

    // --- Session history ---
    /// A history request: served now, or queued while @p from (or the
    /// server) has spent its time budget.
    void handleHistory(ClientConnection *from, const HistoryRequest &request);
    void serveHistory(ClientConnection *from, const HistoryRequest &request);
    void serveHistoryPage(ClientConnection *from, const HistoryRequest &request);
    void serveSceneAt(ClientConnection *from, const HistoryRequest &request);
    /// A worker wrote the scene at @p seq for @p to in @p ms.
    void sceneWritten(ClientConnection *to, qint64 seq, const QString &requestId, const QByteArray &body, double ms);
    void sendSceneReply(ClientConnection *to, const QString &requestId);
    void serveRewrite(ClientConnection *from, const HistoryRequest &request);
    void serveName(ClientConnection *from, const HistoryRequest &request);
    void serveValue(ClientConnection *from, const HistoryRequest &request);
    void runQueuedHistory();
    void sendHistoryReply(ClientConnection *to, const HistoryRequest &request, QJsonObject reply);
    /// The scene right after @p seq, from memory or (older than it) from disk;
    /// false with @p code and @p error when it cannot be had.
    bool sceneAt(qint64 seq, HistoryScene *out, QString *code, QString *error) const;
    /// The oldest seq whose scene can be asked for (from disk with a store).
    qint64 historyStartSeq() const;
    void reportHistoryBytes();
    void pushResume(qint64 seq, const QString &text);
    /// The operation @p seq by @p userId, stamped now.
    HistoryOperation makeOperation(qint64 seq, const QString &userId, const QJsonObject &command,
                                   const QList<HistoryOperation::ItemChange> &changes = {}) const;
    /// Makes an accepted command's @p change happen: its diff completes @p op,
    /// which is stored first (with a store; false and nothing changed if that
    /// fails), then the model, the log and the catch-up history (@p text, the
    /// relayed message) take it. The caller relays @p text.
    bool recordChange(const SessionModel::Change &change, HistoryOperation op, const QString &text);
    QByteArray storedForm(const HistoryOperation &op) const;
    /// Applies @p commands as ordinary commands by @p by, one history group
    /// (one transaction with a store); returns how many were applied. A large
    /// group reaches members as one sync:full_state.
    int applyGroup(ClientConnection *by, const QList<Command> &commands, const QJsonObject &group);
    bool mayRewrite(ClientConnection *from) const;
    /// history_forbidden for what @p verb does ("restore or revert"), in the
    /// words of the --history-restore policy.
    void refuseRewrite(ClientConnection *to, const QString &requestId, const QString &verb, const QString &doing);
    void compactOldHistory();
    void sendHistoryError(ClientConnection *to, const QString &requestId, const QString &code, const QString &message);
    QJsonArray versionsJson() const;

    OperationLog m_log;

    const QString m_id;
    const ServerConfig &m_config;
    SessionStore *m_store;
    SessionModel m_state;
    qint64 m_seq = 0;
    // sync:full_state as last serialised: every state change bumps m_seq, so
    // the text is valid while its seq matches. Joins of large sessions then
    // cost a send, not a re-serialisation that stalls every session.
    mutable QByteArray m_fullStateCache;
    mutable qint64 m_fullStateCacheSeq = -1;
    std::deque<HistoryEntry> m_history;
    qint64 m_resumeBytes = 0; // what m_history's texts hold

    HistoryBudget *m_budget = nullptr;
    qint64 m_reportedBytes = 0; // last told to m_budget
    CostBucket *m_serverCost = nullptr;
    QThreadPool *m_serializer = nullptr;
    struct HistoryClient
    {
        std::optional<CostBucket> cost;
        std::deque<HistoryRequest> queue;
        bool busy = false; // a reply of its is being written by a worker
    };
    QHash<ClientConnection *, HistoryClient> m_historyClients;
    QTimer m_historyQueueTimer;
    // history:scene replies are immutable per seq: the last one is kept.
    mutable QByteArray m_sceneReplyCache; // UTF-8, without the closing brace
    mutable qint64 m_sceneReplySeq = -1;
    // Without a store, operations trimmed for the budget are gone: said in pages.
    qint64 m_forgottenThroughSeq = -1;
    // With a store: stored operations at or below this seq are not history
    // (compacted by age, or before a gap found when the session loaded).
    qint64 m_diskFloorSeq = 0;
    qint64 m_forgottenBeforeMs = -1;
    QList<ClientConnection *> m_members; // in join order: the first is the longest connected
    ClientConnection *m_host = nullptr;
    SessionOwner m_owner;
    ClientConnection *m_ownerConnection = nullptr;
    QSet<QString> m_wrongOwnerTokenLogged; // names whose wrong token was logged already
    qint64 m_joinCounter = 0;
    // The slot each user had here, so a rejoin gets the same colour (bounded: names are free).
    QHash<QString, int> m_colorSlots;
    static constexpr qsizetype MaxRememberedColorSlots = 1024;
    QTimer m_idleTimer;

    // An original host pushes its canvas to every joiner; it is given this
    // long after being told of one before its sync:request is answered.
    static constexpr int OriginalPushWaitMs = 1000;
    struct HeldSync
    {
        ClientConnection *connection;
        qint64 deadlineMs; // -1: nobody joined since, no push can be expected yet
    };
    QList<HeldSync> m_heldSync;
    bool m_pushSeen = false; // a sync:full_state was pushed into this session
    QTimer m_heldSyncTimer;
    QElapsedTimer m_clock;
};

} // namespace Optiverse::Collab
