// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "Message.h"
#include "StateItem.h"

#include <optiverse/iscenekeysobserver.h>
#include <optiverse/isceneobserver.h>

#include <QElapsedTimer>
#include <QHash>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QTimer>

namespace Optiverse {
class IScene;
class ISceneKeys;
}

namespace Optiverse::Collab {

class CollabClient;

/**
 * Keeps the host's scene and a session in step.
 *
 * - Local edits (ChangeOrigin::Local) become commands. Which edits are
 *   shared depends on the participant's state (participation()): in a
 *   session they are sent; while joining or dropped (reconnecting) they are
 *   kept (bounded) and sent once after the sync; before the first join they are
 *   edits of a local canvas and are not queued; after leaving on purpose
 *   they are kept aside and go into the session only when the user rejoins
 *   with JoinMode::BringLocalChanges.
 * - Remote commands are applied through the host's command API with
 *   ChangeOrigin::Remote, which is how we recognise, and never re-send, them.
 * - With our server (it sequences commands and echoes ours as
 *   acknowledgement) the manager keeps the server's state (the shadow) and
 *   shows it, except where a local edit is still on its way: a property with
 *   an unacknowledged write keeps the local value (no flicker), an item with
 *   an unacknowledged add or remove keeps its local existence. Every server
 *   event (command, echo, refusal, full state) re-derives the affected items
 *   from that rule, so the scene converges on the server's order whatever
 *   the interleaving of edits, refusals and reconnects.
 * - Interactive drags are throttled per item; the final pose is always sent.
 * - Sends are paced below the server's per-connection rate limit (75 % of
 *   the rate and half the burst its connection:ack advertises; 150/s, burst
 *   300 when it advertises none), since it drops what comes above it.
 * - A command the server dropped anyway (our server only) is found and made
 *   good: the server answers each command of a connection in order (echo or
 *   command:rejected), so an answer for client_seq N means every unanswered
 *   one before N was lost; after a rate_limited error, what was handed to the
 *   socket and is still unanswered a second later was lost too. Each affected
 *   item is then re-sent as the scene shows it now (add, remove, or the keys
 *   that differ from the server's), never as the old command, and its pending
 *   keys are carried over so the scene does not flicker. A late echo of a
 *   command presumed lost is harmless: the re-sent state is absolute.
 */
class SyncManager : public QObject, public Optiverse::ISceneObserver, public Optiverse::ISceneKeysObserver
{
    Q_OBJECT
public:
    enum class JoinMode {
        ShareLocalScene,   ///< push our scene as the session's (hosting "use current canvas")
        ReplaceLocalScene, ///< take the session's scene (connecting, or hosting "empty canvas")
        /// Take the session's scene, then send the edits made since leaving
        /// on purpose on top of it (rejoining with "bring my changes").
        BringLocalChanges,
    };
    /// Where the participant stands; edits made while Joining or Dropped are
    /// queued and sent once synchronized, edits while NeverJoined or Left are not.
    enum class Participation {
        NeverJoined, ///< no session yet: edits are edits of a local canvas
        Joining,     ///< a join was asked for and is being attempted
        InSession,   ///< joined (synchronized or about to be)
        Dropped,     ///< the connection was lost and is being re-established
        Left,        ///< left on purpose, or the client gave up
    };
    Q_ENUM(Participation)

    SyncManager(Optiverse::IScene *scene, CollabClient *client, QObject *parent = nullptr);
    ~SyncManager() override;

    /// The host's optional ISceneKeys (not owned; null: a 1.0 host). With it,
    /// keys deleted locally are sent as removed_keys and deleted remotely
    /// with removeKeys(); without it, an item that must lose a key is
    /// re-created (a Remote remove and add) with the session's data.
    void setSceneKeys(Optiverse::ISceneKeys *keys);
    void setJoinMode(JoinMode mode) { m_joinMode = mode; }
    JoinMode joinMode() const { return m_joinMode; }
    /// Minimum interval between two moves of one dragged item (default 33 ms, ~30 Hz).
    void setDragInterval(int ms) { m_dragTimer.setInterval(ms); }
    /// How many edits are kept while offline before the oldest are refused.
    void setOfflineLimit(int limit) { m_offlineLimit = limit; }
    /// Overrides the pace derived from the server's advertised limit (e.g. to
    /// see what happens above it); @p perSecond 0 goes back to the advertised pace.
    void setSendRate(int perSecond, int burst);
    int sendRate() const { return m_sendRate; }
    int sendBurst() const { return m_sendBurst; }

    bool isSynchronized() const { return m_synced; }
    Participation participation() const { return m_participation; }
    /// Items changed locally since leaving on purpose (what BringLocalChanges would bring).
    int localChangeCount() const;
    qint64 lastSeq() const { return m_lastSeq; }
    int offlineEditCount() const { return int(m_offline.size()); }
    /// Sent edits the server has not acknowledged yet (our server only).
    int unacknowledgedCount() const { return int(m_unacked.size()); }
    quint64 commandsSent() const { return m_commandsSent; }
    quint64 remoteCommandsApplied() const { return m_remoteApplied; }
    /// Sent commands the server never received (our server only), found by a
    /// later acknowledgement or by the timeout after a rate_limited error.
    quint64 lostCommandsFoundByGap() const { return m_lostByGap; }
    quint64 lostCommandsFoundAfterTimeout() const { return m_lostByTimeout; }

    // ISceneObserver
    void itemAdded(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemMoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemUpdated(const Optiverse::SceneItem &item, const QStringList &changedKeys,
                     Optiverse::ChangeOrigin origin) override;
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void itemDragStateChanged(const QUuid &uuid, bool dragging) override;
    // ISceneKeysObserver
    void itemKeysRemoved(const Optiverse::SceneItem &item, const QStringList &removedKeys,
                         Optiverse::ChangeOrigin origin) override;

signals:
    /// The scene matches the session (after the first join or a resync).
    void synchronized();
    /// A remote command was applied to the scene.
    void remoteCommandApplied(const QString &userId, const Optiverse::Collab::Command &command);
    /// A local edit could not be kept (offline queue full, item removed by someone
    /// else…), or a session item the host refused to add (said once per item).
    void editDropped(const QString &reason);
    void participationChanged(Optiverse::Collab::SyncManager::Participation participation);

private:
    /// What the manager waits for after a join before it is synchronized.
    enum class Awaiting { Nothing, FullState, CaughtUp, ShareAck };

    void onJoined(bool resumed);
    void onDisconnected();
    void onClientState(int state);
    void setParticipation(Participation participation);
    void onMessage(const Message &message);
    void handleCommand(const Message &message);
    void handleFullState(const Message &message);
    void finishSync();
    bool isOwnEcho(const Message &message) const;
    void submit(Command command);
    void sendNow(const Command &command);
    void flushOffline();
    void addPending(const Command &command);
    void releasePending(const Command &command);
    void reconcile(const QString &itemId);
    void reconcileAll();
    bool applyToScene(const Command &command);
    void flushDrags();
    void drainOutbox();
    void configurePacing();
    void onRateLimited();
    void onLossTimeout();
    /// The server answered our command @p clientSeq: earlier unanswered ones were dropped.
    void detectGap(qint64 clientSeq);
    void recoverLost(const QList<Command> &lost, const char *how);
    bool resendAsShown(const QString &itemId);
    void settleSharedEdits();
    void pushStateAsOriginalHost(const QString &joiner);
    void resendWhatThePushLost();
    void expireRecent();

    bool removeKeysFromScene(const QUuid &uuid, const QStringList &keys);
    bool addToScene(const Optiverse::SceneItem &item, const QString &byUserId);

    Optiverse::IScene *m_scene;
    Optiverse::ISceneKeys *m_sceneKeys = nullptr;
    CollabClient *m_client;
    // Keys a Local change deleted, reported just before its itemUpdated().
    QHash<QUuid, QStringList> m_removedKeys;
    // Session items the host refused to add: kept in the session, said once.
    QSet<QString> m_refused;
    QString m_commandUser; // who sent the command being applied (for the refusal's words)
    JoinMode m_joinMode = JoinMode::ReplaceLocalScene;

    bool m_synced = false;
    bool m_everSynced = false;
    Awaiting m_awaiting = Awaiting::Nothing;
    int m_sharedOfflineCount = 0; // offline edits contained in the scene we pushed
    // Commands received before the state they apply to is known, by seq:
    // replays and live relays overlap during a resume.
    QMap<qint64, Message> m_buffered;
    // Every id the server gave us: echoes of a previous connection carry the old one.
    QSet<QString> m_ownUserIds;
    qint64 m_lastSeq = -1;
    qint64 m_nextClientSeq = 1;
    quint64 m_commandsSent = 0;
    quint64 m_remoteApplied = 0;

    // Server-confirmed state (our server only): what the scene converges to.
    QHash<QString, StateItem> m_shadow;
    // Local edits (unacknowledged or offline) not yet settled by the server:
    // item -> key -> count of writes, and item -> count of adds/removes.
    QHash<QString, QHash<QString, int>> m_pendingKeys;
    QHash<QString, int> m_pendingPresence;
    QMap<qint64, Command> m_unacked; // by client_seq, i.e. in sending order
    // Edits made while dropped (or joined but not yet synchronized), in order.
    QList<Command> m_offline;
    int m_offlineLimit = 10000;
    Participation m_participation = Participation::NeverJoined;
    Participation m_idle = Participation::NeverJoined; // what a failed first connection goes back to
    // Edits made since leaving on purpose, not pending: sent only with BringLocalChanges.
    QList<Command> m_sinceLeft;

    // Drag throttling.
    QSet<QUuid> m_dragging;
    QHash<QUuid, Optiverse::SceneItem> m_dragLatest;
    // Pose last sent for a dragged item; forgotten when anything else moves it.
    QHash<QString, QJsonObject> m_lastSentPose;
    QTimer m_dragTimer;

    // Outgoing commands, paced (see drainOutbox()).
    static constexpr int DefaultSendRate = 150; // servers that advertise no limit
    static constexpr int DefaultSendBurst = 300;
    struct Outgoing
    {
        qint64 clientSeq; // -1 for original servers
        QByteArray bytes;
    };
    QList<Outgoing> m_outbox;
    int m_sendRate = DefaultSendRate;
    int m_sendBurst = DefaultSendBurst;
    int m_rateOverride = 0; // setSendRate()
    int m_burstOverride = 0;
    double m_sendTokens = DefaultSendBurst;
    qint64 m_sendRefilledMs = 0;
    QElapsedTimer m_sendClock;
    QTimer m_sendTimer;

    // Lost-command recovery (our server only).
    static constexpr int LossTimeoutMs = 1000;
    qint64 m_connectionFirstSeq = 1; // client_seqs below belong to earlier connections
    qint64 m_lastHandedSeq = 0;      // highest client_seq handed to the socket on this connection
    qint64 m_lossWatermark = 0;      // unanswered up to here when the loss timer fires: lost
    QTimer m_lossTimer;
    QSet<qint64> m_presumedLost; // re-sent after the timeout; their echo may still come
    quint64 m_lostByGap = 0;
    quint64 m_lostByTimeout = 0;

    // Original servers: edits sent in the last RecentWindowMs, still pending.
    static constexpr int RecentWindowMs = 3000;
    struct Recent
    {
        qint64 sentAtMs;
        Command command;
    };
    QList<Recent> m_recent;
    QTimer m_recentTimer;
};

} // namespace Optiverse::Collab
