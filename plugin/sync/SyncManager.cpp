// SPDX-License-Identifier: MIT
#include "SyncManager.h"

#include "CollabClient.h"
#include "Message.h"
#include "MessageFactory.h"
#include "Protocol.h"

#include <optiverse/iscene.h>
#include <optiverse/iscenekeys.h>

#include <QLocale>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcSync, "optiverse.collab.sync", QtInfoMsg)

namespace Optiverse::Collab {

SyncManager::SyncManager(IScene *scene, CollabClient *client, QObject *parent)
    : QObject(parent)
    , m_scene(scene)
    , m_client(client)
    , m_capture([this](Command c) { submit(std::move(c)); })
    , m_writer(scene, [client](const QString &userId) {
        for (const CollabClient::User &u : client->users())
            if (u.id == userId)
                return u.displayName.isEmpty() ? u.id : u.displayName;
        return QString();
    })
    , m_channel([client](const QByteArray &bytes) { return client->send(bytes); })
{
    m_scene->addObserver(this);
    connect(m_client, &CollabClient::joined, this, &SyncManager::onJoined);
    connect(m_client, &CollabClient::messageReceived, this, &SyncManager::onMessage);
    connect(m_client, &CollabClient::userJoined, this, &SyncManager::pushStateAsOriginalHost);
    connect(m_client, &CollabClient::stateChanged, this,
            [this](CollabClient::State state) { onClientState(int(state)); });
    connect(&m_writer, &SceneWriter::itemRefused, this, &SyncManager::editDropped);
    connect(&m_channel, &OutboundChannel::lost, this, &SyncManager::recoverLost);
    connect(&m_channel, &OutboundChannel::recentExpired, this, [this](const Command &c) { m_pending.release(c); });
    connect(&m_channel, &OutboundChannel::retryDue, this, [this](const QList<Command> &commands) {
        recoverLost(commands, QStringLiteral("the server could not store them"));
    });
    connect(&m_channel, &OutboundChannel::storageFailingChanged, this, &SyncManager::serverStorageChanged);
    m_originalStateWait.setSingleShot(true);
    m_originalStateWait.setInterval(OriginalStateWaitMs);
    connect(&m_originalStateWait, &QTimer::timeout, this, [this] {
        if (!m_synced && m_awaiting == Awaiting::FullState)
            finishSync(); // no state came: send what we add as it is
    });
}

SyncManager::~SyncManager()
{
    m_scene->removeObserver(this);
    if (m_sceneKeys)
        m_sceneKeys->removeKeysObserver(this);
}

void SyncManager::setSceneKeys(ISceneKeys *keys)
{
    if (m_sceneKeys)
        m_sceneKeys->removeKeysObserver(this);
    m_sceneKeys = keys;
    m_writer.setSceneKeys(keys);
    if (m_sceneKeys)
        m_sceneKeys->addKeysObserver(this);
}

// ---- sending ----------------------------------------------------------------

void SyncManager::submit(Command command)
{
    if (m_synced && m_client->state() == CollabClient::State::Connected) {
        m_pending.add(command);
        sendNow(command);
        return;
    }
    if (m_participation == Participation::NeverJoined || m_participation == Participation::Left) {
        // An edit of a local canvas: never queued for a session by itself.
        // After leaving on purpose it is kept aside in case the user rejoins
        // and chooses to bring it (BringLocalChanges).
        if (m_participation == Participation::Left)
            m_queue.keep(std::move(command));
        return;
    }
    switch (m_queue.hold(command)) {
    case EditQueue::Held::Added:
        m_pending.add(command);
        break;
    case EditQueue::Held::Collapsed:
        break;
    case EditQueue::Held::Full: // not kept: the next resync shows the session's value again
        emit editDropped(tr("Too many edits while disconnected: the edit of %1 will not be shared").arg(command.itemId));
        break;
    }
}

void SyncManager::sendNow(const Command &command)
{
    // The command's writes are already counted as pending.
    qint64 size = 0;
    if (m_channel.send(command, &size))
        return;
    // Too large: the server would close the connection at every attempt.
    // Keep the local value, say it is not shared.
    m_pending.release(command);
    const QLocale locale;
    emit editDropped(tr("The change of %1 is too large to share (%2; the server accepts %3)")
                         .arg(command.itemId, locale.formattedDataSize(size),
                              locale.formattedDataSize(m_client->serverMaxMessageBytes())));
}

void SyncManager::recoverLost(const QList<Command> &lost, const QString &how)
{
    // Released, then re-sent, with no reconcile in between: the items' keys
    // stay pending throughout and the scene keeps showing the local values.
    QStringList items;
    QSet<QString> seen;
    for (const Command &c : lost) {
        m_pending.release(c);
        if (!seen.contains(c.itemId)) {
            seen.insert(c.itemId);
            items.append(c.itemId);
        }
    }
    int resent = 0;
    for (const QString &id : std::as_const(items)) {
        // The item's state now, not the lost commands: later edits of it may
        // already be acknowledged, and an old value would overwrite them.
        const QList<Command> commands = m_writer.restoring(id, m_shadow.find(id), false);
        for (const Command &c : commands)
            submit(c);
        if (!commands.isEmpty())
            ++resent;
        else
            reconcile(id); // scene and server agree on what the lost commands wrote
    }
    qCInfo(lcSync).nospace() << lost.size() << " command(s) never reached the server (" << how << "): re-sent "
                             << resent << " of " << items.size() << " item(s) as the scene shows them";
}

void SyncManager::flushOffline()
{
    // Unacknowledged commands from before a disconnect go first: the server
    // may never have received them. Re-sending one it did apply is harmless
    // (a second add is refused, moves and updates are absolute).
    QList<Command> queue = m_channel.takeUnacknowledged() + m_queue.takeHeld();
    // What the session would refuse is not sent: edits of items it no longer
    // has (on our server, whose state is exact; the user is told), and adds
    // of items it has (a canvas added to a session it came from: the
    // session's item stands).
    QList<Command> dropped, present;
    queue = EditQueue::withoutRefusedEdits(
        queue, [this](const QString &id) { return m_shadow.contains(id); },
        m_client->serverSequences() ? &dropped : nullptr, &present);
    QSet<QString> droppedItems;
    for (const Command &c : std::as_const(present)) {
        m_pending.release(c);
        droppedItems.insert(c.itemId);
    }
    if (!present.isEmpty())
        qCInfo(lcSync) << droppedItems.size() << "added item(s) were already in the session: its version stands";
    for (const Command &c : std::as_const(dropped)) {
        if (c.action != Command::Action::Remove)
            emit editDropped(tr("An offline edit of %1 was dropped: another user removed the item").arg(c.itemId));
        m_pending.release(c);
        droppedItems.insert(c.itemId);
    }
    for (const Command &c : std::as_const(queue))
        sendNow(c);
    for (const QString &id : std::as_const(droppedItems))
        reconcile(id);
}

// ---- joining and resync -------------------------------------------------

void SyncManager::setParticipation(Participation participation)
{
    if (m_participation == participation)
        return;
    m_participation = participation;
    emit participationChanged(participation);
}

void SyncManager::onClientState(int state)
{
    switch (CollabClient::State(state)) {
    case CollabClient::State::Connecting:
        if (m_participation == Participation::NeverJoined || m_participation == Participation::Left) {
            m_idle = m_participation;
            setParticipation(Participation::Joining);
        }
        break;
    case CollabClient::State::Connected:
        break; // joined() follows
    case CollabClient::State::Reconnecting:
        if (m_participation == Participation::InSession)
            setParticipation(Participation::Dropped);
        break;
    case CollabClient::State::Disconnected:
        if (m_participation == Participation::Joining) {
            // The join failed: edits made while it was being attempted were
            // meant for it; they are local edits again, like the rest.
            const QList<Command> queued = m_queue.takeHeld();
            m_pending.clear();
            if (m_idle == Participation::Left)
                m_queue.keepAll(queued);
            setParticipation(m_idle);
        } else if (m_participation == Participation::InSession || m_participation == Participation::Dropped) {
            // Left on purpose (or the client gave up). Leaving flushes the
            // socket, so what was handed to it in session counts as
            // delivered; what never got out (still paced, sent before a drop,
            // made while dropped) becomes a local change like any later edit.
            m_queue.takeKept();
            m_queue.keepAll(m_channel.takeUndelivered(m_participation == Participation::Dropped) + m_queue.takeHeld());
            m_pending.clear();
            setParticipation(Participation::Left);
        }
        break;
    }
    if (CollabClient::State(state) != CollabClient::State::Connected)
        onDisconnected();
}

void SyncManager::onJoined(bool resumed)
{
    setParticipation(Participation::InSession);
    if (!resumed) {
        // A new join: the edits made since leaving go into the session only
        // when the user chose to bring them; otherwise the join decides.
        QList<Command> kept = m_queue.takeKept();
        if (m_joinMode == JoinMode::AddLocalScene)
            kept = addsOfScene(); // the canvas as it is now holds any kept edit
        if (m_joinMode == JoinMode::BringLocalChanges || m_joinMode == JoinMode::AddLocalScene) {
            for (const Command &c : kept)
                m_pending.add(c);
            m_queue.holdFirst(kept); // before what was edited while joining
        }
    }
    m_synced = false;
    m_buffered.clear();
    m_ownUserIds.insert(m_client->userId());
    const bool sequenced = m_client->serverSequences();
    m_channel.open({m_client->userId(), sequenced, m_client->serverMaxRate(), m_client->serverBurst(),
                    m_client->serverMaxMessageBytes()});
    if (resumed && m_everSynced) {
        // Ask only for what we missed; the server answers with the full state
        // when it no longer holds that much history.
        m_awaiting = sequenced ? Awaiting::CaughtUp : Awaiting::FullState;
        m_client->send(MessageFactory::syncRequest(sequenced ? m_lastSeq : -1));
        if (!sequenced) // original servers may answer nothing: go on
            finishSync();
        return;
    }
    if (m_joinMode == JoinMode::ShareLocalScene) {
        const QList<StateItem> items = sceneItems();
        m_shadow.load(items);
        // Edits made so far are part of the scene we push; they are settled
        // once the server takes it (they still count if it refuses).
        QByteArray push = MessageFactory::fullState(items, -1);
        const qint64 limit = m_client->serverMaxStateBytes();
        if (limit > 0 && push.size() > limit) {
            // The server would close the connection (1009) and the push
            // would repeat at every reconnect: leave, keep the canvas as it is.
            const QLocale locale;
            m_client->abandon(tr("your canvas is too large to share (%1; the server accepts %2)")
                                  .arg(locale.formattedDataSize(push.size()), locale.formattedDataSize(limit)));
            return;
        }
        m_queue.markPushed();
        m_awaiting = Awaiting::ShareAck;
        m_client->send(push);
        if (!sequenced)
            finishSync();
        return; // our server answers with sync:caught_up
    }
    m_awaiting = Awaiting::FullState;
    m_client->send(MessageFactory::syncRequest());
    if (sequenced)
        return;
    if (!resumed && m_joinMode == JoinMode::AddLocalScene)
        m_originalStateWait.start(); // the adds wait for the state (handleFullState)
    else
        finishSync(); // original servers may answer nothing: go on
}

void SyncManager::onDisconnected()
{
    m_originalStateWait.stop();
    m_synced = false;
    m_awaiting = Awaiting::Nothing;
    m_queue.forgetPushed();
    m_channel.close();
    // Not applied, so m_lastSeq did not move: the resume asks for them again.
    m_buffered.clear();
}

void SyncManager::finishSync()
{
    m_originalStateWait.stop();
    m_awaiting = Awaiting::Nothing;
    m_synced = m_everSynced = true;
    // Commands the server relayed after the state we now have, in its order.
    const auto buffered = std::exchange(m_buffered, {});
    for (const Message &m : buffered)
        if (m.seq() > m_lastSeq)
            handleCommand(m);
    m_channel.clearPresumedLost(); // the replay held any late echo of them
    flushOffline();
    emit synchronized();
}

void SyncManager::onMessage(const Message &message)
{
    switch (message.type()) {
    case Message::Type::Command:
        if (!m_synced && m_client->serverSequences() && message.seq() >= 0) {
            m_buffered.insert(message.seq(), message); // one copy per seq: replay and relay overlap
            return;
        }
        handleCommand(message);
        return;
    case Message::Type::CommandRejected:
        handleRejected(message);
        return;
    case Message::Type::SyncFullState:
        handleFullState(message);
        return;
    case Message::Type::SyncCaughtUp:
        if (m_awaiting == Awaiting::ShareAck) {
            if (message.seq() >= 0)
                m_lastSeq = message.seq(); // commands before our push are part of the merged state
            settleSharedEdits();
        }
        if (m_awaiting == Awaiting::ShareAck || m_awaiting == Awaiting::CaughtUp)
            finishSync(); // replayed commands are applied from the buffer
        return;
    case Message::Type::Error: {
        const QString code = message.json().value(Protocol::FieldCode).toString();
        if (code == Protocol::ErrorRateLimited)
            m_channel.rateLimited();
        else if (code == Protocol::ErrorStorageFailed)
            handleStorageFailed(message);
        return;
    }
    default:
        return;
    }
}

bool SyncManager::isOwnEcho(const Message &message) const
{
    // After a reconnect the server may have given us another id (the old
    // connection was not gone yet), so any id we had counts, and the command
    // must be the one we sent under that client_seq.
    if (message.clientSeq() < 0 || !m_ownUserIds.contains(message.userId()))
        return false;
    const Command *mine = m_channel.unacknowledged(message.clientSeq());
    if (!mine)
        return false;
    const Command &echo = message.command();
    // An edit of an item the server did not have comes back as its add.
    const bool sameAction = mine->action == echo.action
        || (echo.action == Command::Action::Add && mine->action != Command::Action::Remove);
    return sameAction && mine->itemId == echo.itemId && mine->data == echo.data;
}

void SyncManager::handleRejected(const Message &message)
{
    m_channel.detectGap(message.clientSeq());
    if (m_channel.forgetPresumedLost(message.clientSeq()))
        return; // already re-sent as the scene shows it
    const std::optional<Command> command = m_channel.acknowledge(message.clientSeq());
    if (!command)
        return;
    qCInfo(lcSync) << "server refused" << Command::actionName(command->action) << command->itemId << ":"
                   << message.json().value(Protocol::FieldReason).toString();
    // Show what the session really holds for that item.
    m_pending.release(*command);
    reconcile(command->itemId);
}

void SyncManager::handleStorageFailed(const Message &message)
{
    // Only our server stores (original ones never refuse for it). It names
    // the command by client_seq; an older version of ours does not: storage
    // is failing all the same, and the command is found lost (and re-sent) by
    // the next acknowledgement.
    if (!m_client->serverSequences())
        return;
    m_storageFailure = message.json().value(Protocol::FieldMessage).toString();
    const qint64 clientSeq = message.clientSeq();
    m_channel.detectGap(clientSeq);
    if (clientSeq >= 0 && m_channel.forgetPresumedLost(clientSeq))
        return; // already re-sent as the scene shows it: that answers for itself
    const Command *command = clientSeq >= 0 ? m_channel.unacknowledged(clientSeq) : nullptr;
    const QString item = command ? QString(command->itemType).replace(QLatin1Char('_'), QLatin1Char(' ')) : QString();
    const QString itemId = command ? command->itemId : QString();
    const bool wasFailing = m_channel.isStorageFailing();
    // Still pending: the scene keeps the edit and shows it as ours alone.
    m_channel.storageFailed(clientSeq);
    const QString what = itemId.isEmpty() ? QStringLiteral("an item") : itemId;
    if (wasFailing) { // said once per run of failures; the status says it lasts
        qCInfo(lcSync).noquote().nospace() << "the server still cannot store our change of " << what;
        return;
    }
    qCWarning(lcSync).noquote().nospace() << "the server could not store our change of " << what << " ("
                                          << m_storageFailure << "): kept, to be sent again";
    emit editNotStored(item.isEmpty()
                           ? tr("The server could not save your change: it stays on your canvas and is sent again "
                                "as soon as the server can store it.")
                           : tr("The server could not save your change to the %1: it stays on your canvas and is "
                                "sent again as soon as the server can store it.").arg(item));
}

void SyncManager::handleCommand(const Message &message)
{
    const Command &command = message.command();
    if (message.seq() >= 0)
        m_lastSeq = std::max(m_lastSeq, message.seq());
    if (!m_client->serverSequences()) {
        // Original servers: no order, no acknowledgement; apply as it comes.
        m_commandUser = message.userId();
        const bool applied = m_writer.apply(command, m_commandUser);
        m_commandUser.clear();
        if (applied) {
            ++m_remoteApplied;
            emit remoteCommandApplied(message.userId(), command);
        }
        return;
    }
    m_shadow.apply(command); // what the server did (it relays only what it accepted)
    // It relays only what it stored, too: an edit it could not store goes again now.
    m_channel.confirmStored(m_ownUserIds.contains(message.userId()) ? message.clientSeq() : -1);
    if (isOwnEcho(message)) {
        // Our acknowledgement: the scene already shows it, unless a later
        // server event overtook it. Unanswered commands before it were lost.
        if (const std::optional<Command> mine = m_channel.acknowledge(message.clientSeq()))
            m_pending.release(*mine);
        reconcile(command.itemId);
        return;
    }
    if (m_ownUserIds.contains(message.userId()) && m_channel.forgetPresumedLost(message.clientSeq())) {
        // It arrived after all, after its item was re-sent: the re-sent state
        // is pending, so the scene keeps it and converges on its echo.
        qCInfo(lcSync) << "late acknowledgement of" << Command::actionName(command.action) << command.itemId
                       << "(client_seq" << message.clientSeq() << "), already re-sent";
        m_channel.detectGap(message.clientSeq());
        reconcile(command.itemId);
        return;
    }
    m_commandUser = message.userId();
    reconcile(command.itemId);
    m_commandUser.clear();
    if (m_writer.isRefused(command.itemId))
        return; // not shown here: not applied
    ++m_remoteApplied;
    emit remoteCommandApplied(message.userId(), command);
}

void SyncManager::settleSharedEdits()
{
    // The session took our scene (merged into its own), including the edits
    // made before the push.
    const QList<Command> settled = m_channel.takeUnacknowledged() + m_queue.takePushed();
    for (const Command &c : settled)
        m_pending.release(c);
}

void SyncManager::pushStateAsOriginalHost(const QString &joiner)
{
    // An original server keeps only the state its host pushes, and an
    // original host pushes it to every joiner: as its host, so do we. Our
    // server holds the state itself and needs none of this.
    if (m_client->serverSequences() || !m_client->isHost() || !m_synced || joiner == m_client->userId())
        return;
    const QList<StateItem> items = sceneItems();
    qCInfo(lcSync).noquote() << "sending the scene to" << joiner << "(" << items.size() << "items) as the session's host";
    m_client->send(MessageFactory::fullState(items, -1, joiner));
}

void SyncManager::handleFullState(const Message &message)
{
    if (m_awaiting == Awaiting::ShareAck)
        settleSharedEdits(); // our server merged our push and answers with the result
    m_shadow.load(message.items()); // the server's whole state (its removed ids are its own)
    if (message.version() >= 0) {
        m_lastSeq = message.version();
        // Relayed commands up to the version are part of this state.
        m_buffered.erase(m_buffered.begin(), m_buffered.upperBound(m_lastSeq));
    }
    reconcileAll();
    if (!m_client->serverSequences())
        resendWhatThePushLost();
    if (!m_synced)
        finishSync();
}

void SyncManager::resendWhatThePushLost()
{
    // Original servers: a host's push may have been composed before our
    // latest edits reached the host. Those edits are still pending (see
    // OutboundChannel::send()), so the scene kept them; whatever the push
    // contradicts is sent again, as the scene shows it now.
    int resent = 0;
    for (const QString &id : m_channel.recentItemIds()) {
        const QList<Command> commands = m_writer.restoring(id, m_shadow.find(id), true);
        for (const Command &c : commands)
            submit(c);
        resent += commands.isEmpty() ? 0 : 1;
    }
    if (resent > 0)
        qCInfo(lcSync) << "re-sent" << resent << "recent edit(s) that the host's state push did not contain yet";
}

QList<Command> SyncManager::addsOfScene() const
{
    QList<Command> adds;
    for (const StateItem &item : sceneItems())
        adds.append(Command::addOf(item));
    return adds;
}

QList<StateItem> SyncManager::sceneItems() const
{
    QList<StateItem> items;
    const QList<SceneItem> scene = m_scene->items();
    items.reserve(scene.size());
    for (const SceneItem &i : scene)
        items.append({LocalEditCapture::idOf(i.uuid), i.type, i.data});
    return items;
}

// ---- reconciliation ---------------------------------------------------------

void SyncManager::reconcile(const QString &itemId)
{
    // The item as the session holds it, except what our own edits in flight
    // still decide: their keys keep the local value, an add or remove in
    // flight keeps the local presence.
    m_writer.show(itemId, m_shadow.find(itemId), m_pending.keys(itemId), m_pending.presencePending(itemId),
                  m_commandUser);
}

void SyncManager::reconcileAll()
{
    m_scene->beginBulkChange();
    // Local items the session lacks first (removals), then the session's.
    const QList<SceneItem> local = m_scene->items();
    for (const SceneItem &i : local) {
        const QString id = LocalEditCapture::idOf(i.uuid);
        if (!m_shadow.contains(id))
            reconcile(id);
    }
    const QHash<QString, StateItem> &session = m_shadow.itemsById();
    for (auto it = session.cbegin(); it != session.cend(); ++it)
        m_writer.show(it.key(), &*it, m_pending.keys(it.key()), m_pending.presencePending(it.key()), m_commandUser);
    m_scene->endBulkChange();
}

} // namespace Optiverse::Collab
