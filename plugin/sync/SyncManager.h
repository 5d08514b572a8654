// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "EditQueue.h"
#include "LocalEditCapture.h"
#include "Message.h"
#include "OutboundChannel.h"
#include "PendingEdits.h"
#include "SceneWriter.h"
#include "SessionModel.h"
#include "StateItem.h"

#include <optiverse/iscenekeysobserver.h>
#include <optiverse/isceneobserver.h>

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
 * - The shadow applies the server's commands with the server's own rules
 *   (SessionModel), so it follows the server exactly.
 * - Its parts: LocalEditCapture (local changes -> commands, drag
 *   throttling), EditQueue (edits held while offline or kept since
 *   leaving), OutboundChannel (pacing below the server's rate limit,
 *   acknowledgements, loss detection), SceneWriter (the session into the
 *   scene), PendingEdits (what local edits in flight still decide). This
 *   class keeps the participant's states, the join and the reconciliation.
 * - A command the server dropped (OutboundChannel::lost()) is made good: each
 *   affected item is re-sent as the scene shows it now (add, remove, or the
 *   keys that differ from the server's), never as the old command, and its
 *   pending keys are carried over so the scene does not flicker. A late echo
 *   of a command presumed lost is harmless: the re-sent state is absolute.
 * - A command the server could not store (storage_failed, e.g. its disk is
 *   full) is neither dropped nor shown as accepted: its item keeps the local
 *   value, the user is told (serverStorageChanged(), editNotStored()), and
 *   the item is re-sent the same way, after a backoff or as soon as the
 *   server stores anything again (OutboundChannel::retryDue()).
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
        /// Take the session's scene and add every item of our canvas to it
        /// as ordinary adds (connecting "add my items"): items the session
        /// already has keep its version. Works with original servers too,
        /// where a pushed state would replace everyone's canvas.
        AddLocalScene,
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
    /// How long adding our canvas on an original server waits for its state
    /// (default 1.5 s): an item it already has is not added twice when the
    /// state comes in time. Longer on a slow network or a loaded machine.
    void setOriginalStateWaitMs(int ms) { m_originalStateWait.setInterval(qMax(0, ms)); }
    /// Minimum interval between two moves of one dragged item (default 33 ms, ~30 Hz).
    void setDragInterval(int ms) { m_capture.setDragInterval(ms); }
    /// How many edits are kept while offline before the oldest are refused.
    void setOfflineLimit(int limit) { m_queue.setLimit(limit); }
    /// Overrides the pace derived from the server's advertised limit (e.g. to
    /// see what happens above it); @p perSecond 0 goes back to the advertised pace.
    void setSendRate(int perSecond, int burst) { m_channel.setSendRate(perSecond, burst); }
    int sendRate() const { return m_channel.sendRate(); }
    int sendBurst() const { return m_channel.sendBurst(); }

    bool isSynchronized() const { return m_synced; }
    Participation participation() const { return m_participation; }
    /// Items changed locally since leaving on purpose (what BringLocalChanges would bring).
    int localChangeCount() const { return m_queue.keptItemCount(); }
    qint64 lastSeq() const { return m_lastSeq; }
    int offlineEditCount() const { return m_queue.heldCount(); }
    /// Sent edits the server has not acknowledged yet (our server only).
    int unacknowledgedCount() const { return m_channel.unacknowledgedCount(); }
    quint64 commandsSent() const { return m_channel.commandsSent(); }
    quint64 remoteCommandsApplied() const { return m_remoteApplied; }
    /// Sent commands the server never received (our server only), found by a
    /// later acknowledgement or by the timeout after a rate_limited error.
    quint64 lostCommandsFoundByGap() const { return m_channel.lostFoundByGap(); }
    quint64 lostCommandsFoundAfterTimeout() const { return m_channel.lostFoundAfterTimeout(); }
    /// True while edits of ours wait because the server could not store them
    /// (our server's storage_failed); they are sent again until it can.
    bool isServerStorageFailing() const { return m_channel.isStorageFailing(); }
    /// The server's words for its last storage failure.
    QString serverStorageFailure() const { return m_storageFailure; }
    /// Edits waiting for their next retry because the server could not store them.
    int unstoredCount() const { return m_channel.unstoredCount(); }

    // ISceneObserver, ISceneKeysObserver: local changes become commands (LocalEditCapture)
    void itemAdded(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override
    {
        m_capture.itemAdded(item, origin);
    }
    void itemMoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override
    {
        m_capture.itemMoved(item, origin);
    }
    void itemUpdated(const Optiverse::SceneItem &item, const QStringList &changedKeys,
                     Optiverse::ChangeOrigin origin) override
    {
        m_capture.itemUpdated(item, changedKeys, origin);
    }
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override
    {
        m_capture.itemRemoved(item, origin);
    }
    void itemDragStateChanged(const QUuid &uuid, bool dragging) override
    {
        m_capture.itemDragStateChanged(uuid, dragging);
    }
    void itemKeysRemoved(const Optiverse::SceneItem &item, const QStringList &removedKeys,
                         Optiverse::ChangeOrigin origin) override
    {
        m_capture.itemKeysRemoved(item, removedKeys, origin);
    }

signals:
    /// The scene matches the session (after the first join or a resync).
    void synchronized();
    /// A remote command was applied to the scene.
    void remoteCommandApplied(const QString &userId, const Optiverse::Collab::Command &command);
    /// A local edit could not be kept (offline queue full, item removed by someone
    /// else…), or a session item the host refused to add (said once per item).
    void editDropped(const QString &reason);
    void participationChanged(Optiverse::Collab::SyncManager::Participation participation);
    /// The server could not store our edits (@p failing), or stores them again.
    void serverStorageChanged(bool failing);
    /// Once when the server starts failing to store our edits: which, in words.
    void editNotStored(const QString &text);

private:
    /// What the manager waits for after a join before it is synchronized.
    enum class Awaiting { Nothing, FullState, CaughtUp, ShareAck };

    void onJoined(bool resumed);
    void onDisconnected();
    void onClientState(int state);
    void setParticipation(Participation participation);
    void onMessage(const Message &message);
    void handleCommand(const Message &message);
    void handleRejected(const Message &message);
    void handleStorageFailed(const Message &message);
    void handleFullState(const Message &message);
    void finishSync();
    bool isOwnEcho(const Message &message) const;
    void submit(Command command);
    void sendNow(const Command &command);
    void flushOffline();
    void reconcile(const QString &itemId);
    void reconcileAll();
    void recoverLost(const QList<Command> &lost, const QString &how);
    void settleSharedEdits();
    void pushStateAsOriginalHost(const QString &joiner);
    void resendWhatThePushLost();
    QList<StateItem> sceneItems() const;
    /// An add_item for every item of the scene, as it is now.
    QList<Command> addsOfScene() const;

    Optiverse::IScene *m_scene;
    Optiverse::ISceneKeys *m_sceneKeys = nullptr;
    CollabClient *m_client;
    LocalEditCapture m_capture;
    SceneWriter m_writer;
    OutboundChannel m_channel;
    QString m_commandUser; // who sent the command being applied (for the refusal's words)
    QString m_storageFailure; // the server's words for its last storage_failed
    JoinMode m_joinMode = JoinMode::ReplaceLocalScene;

    bool m_synced = false;
    bool m_everSynced = false;
    Awaiting m_awaiting = Awaiting::Nothing;
    // Adding our canvas on an original server (which may answer nothing):
    // how long to wait for its state before sending, so that items it already
    // has are not added twice.
    QTimer m_originalStateWait;
    static constexpr int OriginalStateWaitMs = 1500;
    // Commands received before the state they apply to is known, by seq:
    // replays and live relays overlap during a resume.
    QMap<qint64, Message> m_buffered;
    // Every id the server gave us: echoes of a previous connection carry the old one.
    QSet<QString> m_ownUserIds;
    qint64 m_lastSeq = -1;
    quint64 m_remoteApplied = 0;

    // Server-confirmed state (our server only): what the scene converges to,
    // kept with the server's own rules.
    SessionModel m_shadow;
    // Local edits (unacknowledged, offline or recent) not yet settled by the server.
    PendingEdits m_pending;
    // Edits made while joining or dropped, and since leaving on purpose.
    EditQueue m_queue;
    Participation m_participation = Participation::NeverJoined;
    Participation m_idle = Participation::NeverJoined; // what a failed first connection goes back to
};

} // namespace Optiverse::Collab
