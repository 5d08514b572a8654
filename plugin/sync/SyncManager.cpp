// SPDX-License-Identifier: MIT
#include "SyncManager.h"

#include "CollabClient.h"
#include "Message.h"
#include "MessageFactory.h"
#include "Protocol.h"

#include <QLocale>

#include <optiverse/iscene.h>
#include <optiverse/iscenekeys.h>

#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcSync, "optiverse.collab.sync", QtInfoMsg)

namespace Optiverse::Collab {

namespace {

const QStringList &poseKeys()
{
    static const QStringList keys{QLatin1String(kXmm), QLatin1String(kYmm), QLatin1String(kAngleDeg)};
    return keys;
}

QJsonObject poseOf(const QJsonObject &data)
{
    QJsonObject pose;
    for (const QString &k : poseKeys())
        pose.insert(k, data.value(k));
    return pose;
}

QString idOf(const QUuid &uuid)
{
    return uuid.toString(QUuid::WithoutBraces);
}

// The command announcing a local change of @p item: the whole data for add
// and update (original peers expect it), the pose for a move, none for remove.
Command commandFor(Command::Action action, const SceneItem &item)
{
    Command c;
    c.action = action;
    c.itemId = idOf(item.uuid);
    c.itemType = item.type;
    if (action == Command::Action::Move)
        c.data = poseOf(item.data);
    else if (action != Command::Action::Remove)
        c.data = item.data;
    return c;
}

QUuid uuidOf(const QString &id)
{
    return QUuid::fromString(id);
}

// Applies @p command to a model of the session with the server's rules.
void applyToModel(QHash<QString, StateItem> &model, const Command &command)
{
    switch (command.action) {
    case Command::Action::Add:
        if (!model.contains(command.itemId))
            model.insert(command.itemId, {command.itemId, command.itemType, command.data});
        break;
    case Command::Action::Move: {
        auto it = model.find(command.itemId);
        if (it != model.end())
            for (const QString &k : poseKeys())
                if (command.data.contains(k))
                    it->data.insert(k, command.data.value(k));
        break;
    }
    case Command::Action::Update: {
        auto it = model.find(command.itemId);
        if (it != model.end()) {
            for (const QString &k : command.effectiveKeys())
                it->data.insert(k, command.data.value(k));
            for (const QString &k : command.removedKeys)
                it->data.remove(k);
        }
        break;
    }
    case Command::Action::Remove:
        model.remove(command.itemId);
        break;
    }
}

QStringList keysWritten(const Command &command)
{
    switch (command.action) {
    case Command::Action::Move: return poseKeys();
    case Command::Action::Update: return command.effectiveKeys() + command.removedKeys;
    case Command::Action::Add: return command.data.keys();
    case Command::Action::Remove: return {};
    }
    return {};
}

} // namespace

SyncManager::SyncManager(IScene *scene, CollabClient *client, QObject *parent)
    : QObject(parent)
    , m_scene(scene)
    , m_client(client)
{
    m_scene->addObserver(this);
    connect(m_client, &CollabClient::joined, this, &SyncManager::onJoined);
    connect(m_client, &CollabClient::messageReceived, this, &SyncManager::onMessage);
    connect(m_client, &CollabClient::userJoined, this, &SyncManager::pushStateAsOriginalHost);
    connect(m_client, &CollabClient::stateChanged, this,
            [this](CollabClient::State state) { onClientState(int(state)); });
    m_dragTimer.setInterval(33);
    connect(&m_dragTimer, &QTimer::timeout, this, &SyncManager::flushDrags);
    m_sendClock.start();
    configurePacing();
    connect(&m_sendTimer, &QTimer::timeout, this, &SyncManager::drainOutbox);
    m_lossTimer.setSingleShot(true);
    m_lossTimer.setInterval(LossTimeoutMs);
    connect(&m_lossTimer, &QTimer::timeout, this, &SyncManager::onLossTimeout);
    m_recentTimer.setSingleShot(true);
    connect(&m_recentTimer, &QTimer::timeout, this, &SyncManager::expireRecent);
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
    if (m_sceneKeys)
        m_sceneKeys->addKeysObserver(this);
}

// ---- deleted keys (ISceneKeys) ------------------------------------------------

void SyncManager::itemKeysRemoved(const SceneItem &item, const QStringList &removedKeys, ChangeOrigin origin)
{
    // The host reports the same change's itemUpdated() right after: that
    // command carries them as removed_keys.
    if (origin == ChangeOrigin::Local)
        m_removedKeys[item.uuid] += removedKeys;
}

bool SyncManager::removeKeysFromScene(const QUuid &uuid, const QStringList &keys)
{
    QString error;
    if (m_sceneKeys) {
        if (m_sceneKeys->removeKeys(uuid, keys, ChangeOrigin::Remote, &error))
            return true;
        qCWarning(lcSync) << "could not remove keys" << keys << "of" << uuid << ":" << error;
        return false;
    }
    // A 1.0 host cannot delete a key: the item is re-created without it.
    SceneItem item = m_scene->item(uuid);
    if (item.uuid.isNull())
        return false;
    for (const QString &k : keys)
        item.data.remove(k);
    m_scene->beginBulkChange();
    const bool ok = m_scene->removeItem(uuid, ChangeOrigin::Remote, &error)
        && m_scene->addItem(item, ChangeOrigin::Remote, &error);
    m_scene->endBulkChange();
    if (!ok)
        qCWarning(lcSync) << "could not re-create" << uuid << "without" << keys << ":" << error;
    return ok;
}

// ---- items the host refuses ------------------------------------------------------

bool SyncManager::addToScene(const SceneItem &item, const QString &byUserId)
{
    QString error;
    if (m_scene->addItem(item, ChangeOrigin::Remote, &error))
        return true;
    // Kept in the session (never removed, never re-sent); the user is told
    // once, in words, and later events for it are not attempted again.
    const QString id = idOf(item.uuid);
    qCWarning(lcSync) << "the host refused" << item.type << id << ":" << error;
    if (m_refused.contains(id))
        return false;
    m_refused.insert(id);
    QString who;
    for (const CollabClient::User &u : m_client->users())
        if (u.id == byUserId)
            who = u.displayName.isEmpty() ? u.id : u.displayName;
    emit editDropped(who.isEmpty()
                         ? tr("The session has an item of type '%1', which this application cannot show").arg(item.type)
                         : tr("%1 added an item of type '%2', which this application cannot show").arg(who, item.type));
    return false;
}

// ---- local edits -----------------------------------------------------------

void SyncManager::itemAdded(const SceneItem &item, ChangeOrigin origin)
{
    if (!m_lastSentPose.isEmpty()) // (a 10,000-item join passes here 10,000 times)
        m_lastSentPose.remove(idOf(item.uuid));
    if (origin != ChangeOrigin::Local)
        return; // applied on behalf of someone else: never send it back
    submit(commandFor(Command::Action::Add, item));
}

void SyncManager::itemMoved(const SceneItem &item, ChangeOrigin origin)
{
    const QString id = idOf(item.uuid);
    if (origin != ChangeOrigin::Local) {
        m_lastSentPose.remove(id); // a later local move to the sent pose is a real move
        return;
    }
    if (m_dragging.contains(item.uuid)) {
        // Interactive drag: the first move goes at once, the rest at most once
        // per interval per item, the final pose when the drag ends.
        m_dragLatest.insert(item.uuid, item);
        if (!m_dragTimer.isActive()) {
            flushDrags();
            m_dragTimer.start();
        }
        return;
    }
    m_dragLatest.remove(item.uuid);
    Command c = commandFor(Command::Action::Move, item);
    // A host may report a drag's final pose once more after the drag ended.
    if (m_lastSentPose.take(id) == c.data)
        return;
    submit(std::move(c));
}

void SyncManager::itemUpdated(const SceneItem &item, const QStringList &changedKeys, ChangeOrigin origin)
{
    m_lastSentPose.remove(idOf(item.uuid));
    if (origin != ChangeOrigin::Local)
        return;
    Command c = commandFor(Command::Action::Update, item);
    c.changedKeys = changedKeys; // so our peers and server merge per property
    // From itemKeysRemoved(), just before; a key set again since is not deleted.
    for (const QString &k : m_removedKeys.take(item.uuid))
        if (!item.data.contains(k) && !c.removedKeys.contains(k) && !poseKeys().contains(k))
            c.removedKeys.append(k);
    submit(std::move(c));
}

void SyncManager::itemRemoved(const SceneItem &item, ChangeOrigin origin)
{
    m_dragging.remove(item.uuid);
    m_dragLatest.remove(item.uuid);
    m_lastSentPose.remove(idOf(item.uuid));
    m_removedKeys.remove(item.uuid);
    if (origin != ChangeOrigin::Local)
        return;
    submit(commandFor(Command::Action::Remove, item));
}

void SyncManager::itemDragStateChanged(const QUuid &uuid, bool dragging)
{
    if (dragging) {
        m_dragging.insert(uuid);
        return;
    }
    m_dragging.remove(uuid);
    flushDrags(); // the final pose, exactly
    if (m_dragging.isEmpty())
        m_dragTimer.stop();
}

void SyncManager::flushDrags()
{
    const auto latest = std::exchange(m_dragLatest, {});
    for (const SceneItem &item : latest) {
        Command c = commandFor(Command::Action::Move, item);
        if (m_lastSentPose.value(c.itemId) == c.data)
            continue;
        m_lastSentPose.insert(c.itemId, c.data);
        submit(std::move(c));
    }
    if (latest.isEmpty() && m_dragging.isEmpty())
        m_dragTimer.stop();
}

void SyncManager::submit(Command command)
{
    if (m_synced && m_client->state() == CollabClient::State::Connected) {
        addPending(command);
        sendNow(command);
        return;
    }
    if (m_participation == Participation::NeverJoined || m_participation == Participation::Left) {
        // An edit of a local canvas: never queued for a session by itself.
        // After leaving on purpose it is kept aside in case the user rejoins
        // and chooses to bring it (BringLocalChanges).
        if (m_participation == Participation::NeverJoined)
            return;
        if (command.action == Command::Action::Move && !m_sinceLeft.isEmpty()
            && m_sinceLeft.constLast().action == Command::Action::Move && m_sinceLeft.constLast().itemId == command.itemId) {
            m_sinceLeft.last() = std::move(command);
            return;
        }
        if (m_sinceLeft.size() < m_offlineLimit)
            m_sinceLeft.append(std::move(command));
        return;
    }
    // Consecutive moves of one item while offline collapse into the last one
    // (same keys: the pending counts stay as they are).
    if (command.action == Command::Action::Move && m_offline.size() > m_sharedOfflineCount
        && m_offline.constLast().action == Command::Action::Move && m_offline.constLast().itemId == command.itemId) {
        m_offline.last() = std::move(command);
        return;
    }
    if (m_offline.size() >= m_offlineLimit) {
        // Not kept: the next resync shows the session's value again.
        emit editDropped(tr("Too many edits while disconnected: the edit of %1 will not be shared").arg(command.itemId));
        return;
    }
    addPending(command);
    m_offline.append(std::move(command));
}

void SyncManager::sendNow(const Command &command)
{
    // The command's writes are already counted as pending (addPending).
    const bool sequenced = m_client->serverSequences();
    const qint64 clientSeq = sequenced ? m_nextClientSeq : -1;
    QByteArray bytes = MessageFactory::toBytes(MessageFactory::command(m_client->userId(), command, clientSeq));
    const qint64 limit = m_client->serverMaxMessageBytes();
    if (limit > 0 && bytes.size() > limit) {
        // The server would close the connection (1009), and the re-send after
        // the reconnect would too: keep the local value, say it is not shared.
        releasePending(command);
        const QLocale locale;
        emit editDropped(tr("The change of %1 is too large to share (%2; the server accepts %3)")
                             .arg(command.itemId, locale.formattedDataSize(bytes.size()), locale.formattedDataSize(limit)));
        return;
    }
    if (sequenced) {
        ++m_nextClientSeq;
        m_unacked.insert(clientSeq, command);
    } else {
        // Original servers never acknowledge; the edit stays pending for a
        // while so that a host's push composed before it cannot undo it.
        m_recent.append({m_sendClock.elapsed(), command});
        if (!m_recentTimer.isActive())
            m_recentTimer.start(RecentWindowMs + 1);
    }
    m_outbox.append({clientSeq, std::move(bytes)});
    drainOutbox();
}

void SyncManager::drainOutbox()
{
    // A token bucket below the server's per-connection limit: above it the
    // server drops messages, and a replay of many offline edits would lose
    // most of them. Ordinary editing never waits.
    const qint64 now = m_sendClock.elapsed();
    m_sendTokens = std::min<double>(m_sendBurst, m_sendTokens + double(now - m_sendRefilledMs) * m_sendRate / 1000.0);
    m_sendRefilledMs = now;
    while (!m_outbox.isEmpty() && m_sendTokens >= 1.0) {
        m_sendTokens -= 1.0;
        const Outgoing out = m_outbox.takeFirst();
        if (m_client->send(out.bytes)) {
            ++m_commandsSent;
            m_lastHandedSeq = std::max(m_lastHandedSeq, out.clientSeq);
        }
    }
    if (m_outbox.isEmpty())
        m_sendTimer.stop();
    else if (!m_sendTimer.isActive())
        m_sendTimer.start();
}

void SyncManager::setSendRate(int perSecond, int burst)
{
    m_rateOverride = std::max(0, perSecond);
    m_burstOverride = std::max(1, burst);
    configurePacing();
    m_sendTokens = std::min<double>(m_sendTokens, m_sendBurst);
}

void SyncManager::configurePacing()
{
    // Below what the server advertises: presence and pings share its bucket
    // (75 % of the rate), and the join's own messages its burst (half).
    const qint64 rate = m_client->serverMaxRate(), burst = m_client->serverBurst();
    if (m_rateOverride > 0) {
        m_sendRate = m_rateOverride;
        m_sendBurst = m_burstOverride;
    } else if (rate > 0) {
        m_sendRate = int(std::max<qint64>(1, rate * 3 / 4));
        m_sendBurst = int(std::max<qint64>(1, burst / 2));
    } else {
        m_sendRate = DefaultSendRate;
        m_sendBurst = DefaultSendBurst;
    }
    m_sendTimer.setInterval(1000 / m_sendRate + 1);
}

void SyncManager::onRateLimited()
{
    // Pause: the server refills its bucket while ours starts again from empty.
    m_sendTokens = 0;
    m_sendRefilledMs = m_sendClock.elapsed();
    if (!m_outbox.isEmpty() && !m_sendTimer.isActive())
        m_sendTimer.start();
    if (!m_client->serverSequences())
        return;
    // Only the first drop of a run is announced, and its answers may still be
    // on their way: what was handed to the socket so far and is still
    // unanswered when the timer fires was dropped.
    m_lossWatermark = std::max(m_lossWatermark, m_lastHandedSeq);
    m_lossTimer.start();
    qCInfo(lcSync).nospace() << "the server dropped messages above its rate limit (we send at most " << m_sendRate
                             << "/s): pausing; commands up to client_seq " << m_lossWatermark
                             << " still unanswered in " << LossTimeoutMs << " ms will be re-sent";
}

void SyncManager::onLossTimeout()
{
    QList<Command> lost;
    for (auto it = m_unacked.lowerBound(m_connectionFirstSeq); it != m_unacked.end() && it.key() <= m_lossWatermark;) {
        m_presumedLost.insert(it.key());
        lost.append(*it);
        it = m_unacked.erase(it);
    }
    if (!lost.isEmpty()) {
        m_lostByTimeout += quint64(lost.size());
        recoverLost(lost, "no answer after a rate_limited error");
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

void SyncManager::detectGap(qint64 clientSeq)
{
    if (clientSeq < m_connectionFirstSeq) // an answer to an earlier connection (replay)
        return;
    QList<Command> lost;
    for (auto it = m_unacked.lowerBound(m_connectionFirstSeq); it != m_unacked.end() && it.key() < clientSeq;) {
        lost.append(*it);
        it = m_unacked.erase(it);
    }
    if (lost.isEmpty())
        return;
    m_lostByGap += quint64(lost.size());
    recoverLost(lost, "a later command was answered");
}

void SyncManager::recoverLost(const QList<Command> &lost, const char *how)
{
    // Released, then re-sent, with no reconcile in between: the items' keys
    // stay pending throughout and the scene keeps showing the local values.
    QStringList items;
    QSet<QString> seen;
    for (const Command &c : lost) {
        releasePending(c);
        if (!seen.contains(c.itemId)) {
            seen.insert(c.itemId);
            items.append(c.itemId);
        }
    }
    int resent = 0;
    for (const QString &id : std::as_const(items)) {
        if (resendAsShown(id))
            ++resent;
        else
            reconcile(id); // scene and server agree on what the lost commands wrote
    }
    qCInfo(lcSync).nospace() << lost.size() << " command(s) never reached the server (" << how << "): re-sent "
                             << resent << " of " << items.size() << " item(s) as the scene shows them";
}

bool SyncManager::resendAsShown(const QString &itemId)
{
    // The item's state now, not the lost commands: later edits of it may
    // already be acknowledged, and an old value would overwrite them.
    const SceneItem shown = m_scene->item(uuidOf(itemId));
    const auto server = m_shadow.constFind(itemId);
    const bool inScene = !shown.uuid.isNull(), onServer = server != m_shadow.constEnd();
    if (inScene && !onServer) {
        submit(commandFor(Command::Action::Add, shown));
        return true;
    }
    if (!inScene && onServer) {
        Command c;
        c.action = Command::Action::Remove;
        c.itemId = itemId;
        c.itemType = server->type;
        submit(std::move(c));
        return true;
    }
    if (!inScene)
        return false;
    QStringList changed;
    for (auto k = shown.data.constBegin(); k != shown.data.constEnd(); ++k)
        if (server->data.value(k.key()) != k.value())
            changed.append(k.key());
    QStringList removed;
    for (auto k = server->data.constBegin(); k != server->data.constEnd(); ++k)
        if (!shown.data.contains(k.key()) && !poseKeys().contains(k.key()))
            removed.append(k.key());
    if (changed.isEmpty() && removed.isEmpty())
        return false;
    Command c = commandFor(Command::Action::Update, shown);
    c.changedKeys = changed;
    c.removedKeys = removed;
    submit(std::move(c));
    return true;
}

void SyncManager::flushOffline()
{
    // Unacknowledged commands from before a disconnect go first: the server
    // may never have received them. Re-sending one it did apply is harmless
    // (a second add is refused, moves and updates are absolute).
    QList<Command> queue = m_unacked.values();
    m_unacked.clear();
    queue.append(std::exchange(m_offline, {}));
    if (!m_client->serverSequences()) {
        for (const Command &c : std::as_const(queue))
            sendNow(c);
        return;
    }
    // Edits of items the session no longer has would only be refused: drop
    // them here, where the user can be told.
    QHash<QString, bool> exists;
    QSet<QString> dropped;
    for (const Command &c : std::as_const(queue)) {
        const auto known = exists.constFind(c.itemId);
        const bool present = known != exists.constEnd() ? *known : m_shadow.contains(c.itemId);
        if (c.action == Command::Action::Add) {
            exists.insert(c.itemId, true);
        } else if (!present) {
            if (c.action != Command::Action::Remove)
                emit editDropped(tr("An offline edit of %1 was dropped: another user removed the item").arg(c.itemId));
            releasePending(c);
            dropped.insert(c.itemId);
            continue;
        } else if (c.action == Command::Action::Remove) {
            exists.insert(c.itemId, false);
        }
        sendNow(c);
    }
    for (const QString &id : std::as_const(dropped))
        reconcile(id);
}

// ---- joining and resync -------------------------------------------------

int SyncManager::localChangeCount() const
{
    QSet<QString> items;
    for (const Command &c : m_sinceLeft)
        items.insert(c.itemId);
    return int(items.size());
}

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
            const QList<Command> queued = std::exchange(m_offline, {});
            m_pendingKeys.clear();
            m_pendingPresence.clear();
            if (m_idle == Participation::Left)
                m_sinceLeft += queued;
            setParticipation(m_idle);
        } else if (m_participation == Participation::InSession || m_participation == Participation::Dropped) {
            // Left on purpose (or the client gave up). Leaving flushes the
            // socket, so what was handed to it in session counts as
            // delivered; what never got out (still paced, sent before a drop,
            // made while dropped) becomes a local change like any later edit.
            m_sinceLeft.clear();
            for (auto it = m_unacked.cbegin(); it != m_unacked.cend(); ++it)
                if (m_participation == Participation::Dropped || it.key() < m_connectionFirstSeq
                    || it.key() > m_lastHandedSeq)
                    m_sinceLeft.append(it.value());
            m_sinceLeft += std::exchange(m_offline, {});
            m_unacked.clear();
            m_pendingKeys.clear();
            m_pendingPresence.clear();
            m_presumedLost.clear();
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
        const QList<Command> kept = std::exchange(m_sinceLeft, {});
        if (m_joinMode == JoinMode::BringLocalChanges) {
            for (const Command &c : kept)
                addPending(c);
            m_offline = kept + m_offline; // before what was edited while joining
        }
    }
    m_synced = false;
    m_buffered.clear();
    m_ownUserIds.insert(m_client->userId());
    const bool sequenced = m_client->serverSequences();
    // A new connection: the server's bucket is full again, maybe with other limits.
    configurePacing();
    m_sendTokens = m_sendBurst;
    m_sendRefilledMs = m_sendClock.elapsed();
    m_connectionFirstSeq = m_nextClientSeq;
    m_lastHandedSeq = m_lossWatermark = 0;
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
        QList<StateItem> items;
        const QList<SceneItem> sceneItems = m_scene->items();
        items.reserve(sceneItems.size());
        m_shadow.clear();
        for (const SceneItem &i : sceneItems) {
            StateItem s{idOf(i.uuid), i.type, i.data};
            m_shadow.insert(s.id, s);
            items.append(std::move(s));
        }
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
        m_sharedOfflineCount = int(m_offline.size());
        m_awaiting = Awaiting::ShareAck;
        m_client->send(push);
        if (!sequenced)
            finishSync();
        return; // our server answers with sync:caught_up
    }
    m_awaiting = Awaiting::FullState;
    m_client->send(MessageFactory::syncRequest());
    if (!sequenced)
        finishSync();
}

void SyncManager::onDisconnected()
{
    m_synced = false;
    m_awaiting = Awaiting::Nothing;
    m_sharedOfflineCount = 0;
    // Still in m_unacked: sent again, with new client_seqs, after the resync.
    m_outbox.clear();
    m_sendTimer.stop();
    m_lossTimer.stop();
    // Not applied, so m_lastSeq did not move: the resume asks for them again.
    m_buffered.clear();
}

void SyncManager::finishSync()
{
    m_awaiting = Awaiting::Nothing;
    m_synced = m_everSynced = true;
    // Commands the server relayed after the state we now have, in its order.
    const auto buffered = std::exchange(m_buffered, {});
    for (const Message &m : buffered)
        if (m.seq() > m_lastSeq)
            handleCommand(m);
    m_presumedLost.clear(); // the replay held any late echo of them
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
    case Message::Type::CommandRejected: {
        detectGap(message.clientSeq());
        if (m_presumedLost.remove(message.clientSeq()))
            return; // already re-sent as the scene shows it
        const auto it = m_unacked.find(message.clientSeq());
        if (it == m_unacked.end())
            return;
        const Command command = *it;
        m_unacked.erase(it);
        qCInfo(lcSync) << "server refused" << Command::actionName(command.action) << command.itemId << ":"
                       << message.json().value(QLatin1String("reason")).toString();
        // Show what the session really holds for that item.
        releasePending(command);
        reconcile(command.itemId);
        return;
    }
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
    case Message::Type::Error:
        if (message.json().value(QLatin1String("code")).toString() == Protocol::ErrorRateLimited)
            onRateLimited();
        return;
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
    const auto it = m_unacked.constFind(message.clientSeq());
    if (it == m_unacked.constEnd())
        return false;
    const Command &mine = *it, &echo = message.command();
    // An edit of an item the server did not have comes back as its add.
    const bool sameAction = mine.action == echo.action
        || (echo.action == Command::Action::Add && mine.action != Command::Action::Remove);
    return sameAction && mine.itemId == echo.itemId && mine.data == echo.data;
}

void SyncManager::handleCommand(const Message &message)
{
    const Command &command = message.command();
    if (message.seq() >= 0)
        m_lastSeq = std::max(m_lastSeq, message.seq());
    if (!m_client->serverSequences()) {
        // Original servers: no order, no acknowledgement; apply as it comes.
        m_commandUser = message.userId();
        const bool applied = applyToScene(command);
        m_commandUser.clear();
        if (applied) {
            ++m_remoteApplied;
            emit remoteCommandApplied(message.userId(), command);
        }
        return;
    }
    applyToModel(m_shadow, command);
    if (isOwnEcho(message)) {
        // Our acknowledgement: the scene already shows it, unless a later
        // server event overtook it. Unanswered commands before it were lost.
        detectGap(message.clientSeq());
        releasePending(m_unacked.take(message.clientSeq()));
        reconcile(command.itemId);
        return;
    }
    if (m_ownUserIds.contains(message.userId()) && m_presumedLost.remove(message.clientSeq())) {
        // It arrived after all, after its item was re-sent: the re-sent state
        // is pending, so the scene keeps it and converges on its echo.
        qCInfo(lcSync) << "late acknowledgement of" << Command::actionName(command.action) << command.itemId
                       << "(client_seq" << message.clientSeq() << "), already re-sent";
        detectGap(message.clientSeq());
        reconcile(command.itemId);
        return;
    }
    m_commandUser = message.userId();
    reconcile(command.itemId);
    m_commandUser.clear();
    if (m_refused.contains(command.itemId))
        return; // not shown here: not applied
    ++m_remoteApplied;
    emit remoteCommandApplied(message.userId(), command);
}

void SyncManager::settleSharedEdits()
{
    // The session took our scene (merged into its own), including the edits
    // made before the push.
    const QList<Command> settled = m_unacked.values() + m_offline.mid(0, m_sharedOfflineCount);
    m_unacked.clear();
    m_offline.remove(0, m_sharedOfflineCount);
    m_sharedOfflineCount = 0;
    for (const Command &c : settled)
        releasePending(c);
}

void SyncManager::pushStateAsOriginalHost(const QString &joiner)
{
    // An original server keeps only the state its host pushes, and an
    // original host pushes it to every joiner: as its host, so do we. Our
    // server holds the state itself and needs none of this.
    if (m_client->serverSequences() || !m_client->isHost() || !m_synced || joiner == m_client->userId())
        return;
    QList<StateItem> items;
    const QList<SceneItem> sceneItems = m_scene->items();
    items.reserve(sceneItems.size());
    for (const SceneItem &i : sceneItems)
        items.append({idOf(i.uuid), i.type, i.data});
    qCInfo(lcSync).noquote() << "sending the scene to" << joiner << "(" << items.size() << "items) as the session's host";
    m_client->send(MessageFactory::fullState(items, -1, joiner));
}

void SyncManager::handleFullState(const Message &message)
{
    if (m_awaiting == Awaiting::ShareAck)
        settleSharedEdits(); // our server merged our push and answers with the result
    m_shadow.clear();
    m_shadow.reserve(message.items().size());
    for (const StateItem &i : message.items())
        m_shadow.insert(i.id, i);
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
    // sendNow()), so the scene kept them; whatever the push contradicts is
    // sent again, as the scene shows it now.
    QSet<QString> items;
    for (const Recent &r : std::as_const(m_recent))
        items.insert(r.command.itemId);
    int resent = 0;
    for (const QString &id : std::as_const(items)) {
        const SceneItem shown = m_scene->item(uuidOf(id));
        const auto pushed = m_shadow.constFind(id);
        const bool inScene = !shown.uuid.isNull(), inPush = pushed != m_shadow.constEnd();
        if (inScene && !inPush) {
            // Peers that did get our add would create a second copy on a
            // second add (original clients do not check): remove it first.
            Command removal;
            removal.action = Command::Action::Remove;
            removal.itemId = id;
            removal.itemType = shown.type;
            submit(removal);
            submit(commandFor(Command::Action::Add, shown));
            ++resent;
        } else if (!inScene && inPush) {
            Command removal;
            removal.action = Command::Action::Remove;
            removal.itemId = id;
            removal.itemType = pushed->type;
            submit(removal);
            ++resent;
        } else if (inScene) {
            QStringList changed;
            for (auto k = shown.data.constBegin(); k != shown.data.constEnd(); ++k)
                if (pushed->data.value(k.key()) != k.value())
                    changed.append(k.key());
            if (changed.isEmpty())
                continue;
            Command update = commandFor(Command::Action::Update, shown);
            update.changedKeys = changed;
            submit(update);
            ++resent;
        }
    }
    if (resent > 0)
        qCInfo(lcSync) << "re-sent" << resent << "recent edit(s) that the host's state push did not contain yet";
}

void SyncManager::expireRecent()
{
    const qint64 now = m_sendClock.elapsed();
    while (!m_recent.isEmpty() && m_recent.constFirst().sentAtMs + RecentWindowMs <= now)
        releasePending(m_recent.takeFirst().command);
    if (!m_recent.isEmpty())
        m_recentTimer.start(int(m_recent.constFirst().sentAtMs + RecentWindowMs - now) + 1);
}

// ---- applying remote state ------------------------------------------------

void SyncManager::addPending(const Command &command)
{
    auto &keys = m_pendingKeys[command.itemId];
    for (const QString &k : keysWritten(command))
        ++keys[k];
    if (keys.isEmpty())
        m_pendingKeys.remove(command.itemId);
    if (command.action == Command::Action::Add || command.action == Command::Action::Remove)
        ++m_pendingPresence[command.itemId];
}

void SyncManager::releasePending(const Command &command)
{
    if (command.action == Command::Action::Add || command.action == Command::Action::Remove) {
        auto p = m_pendingPresence.find(command.itemId);
        if (p != m_pendingPresence.end() && --p.value() <= 0)
            m_pendingPresence.erase(p);
    }
    auto it = m_pendingKeys.find(command.itemId);
    if (it == m_pendingKeys.end())
        return;
    for (const QString &k : keysWritten(command)) {
        auto k2 = it->find(k);
        if (k2 != it->end() && --k2.value() <= 0)
            it->erase(k2);
    }
    if (it->isEmpty())
        m_pendingKeys.erase(it);
}

void SyncManager::reconcile(const QString &itemId)
{
    // The item as the session holds it, except what our own edits in flight
    // still decide: their keys keep the local value, an add or remove in
    // flight keeps the local presence.
    const QUuid uuid = uuidOf(itemId);
    if (uuid.isNull())
        return;
    const SceneItem current = m_scene->item(uuid);
    const bool present = !current.uuid.isNull();
    const auto server = m_shadow.constFind(itemId);
    const bool presencePending = m_pendingPresence.contains(itemId);
    QString error;
    if (presencePending && (!present || server == m_shadow.constEnd()))
        return;
    if (server == m_shadow.constEnd()) {
        m_refused.remove(itemId); // gone from the session: a later add is new
        if (present && !m_scene->removeItem(uuid, ChangeOrigin::Remote, &error))
            qCWarning(lcSync) << "could not remove" << itemId << ":" << error;
        return;
    }
    if (!present) {
        if (!m_refused.contains(itemId))
            addToScene({uuid, server->type, server->data}, m_commandUser);
        return;
    }
    const QHash<QString, int> pending = m_pendingKeys.value(itemId);
    QJsonObject diff;
    for (auto k = server->data.constBegin(); k != server->data.constEnd(); ++k)
        if (!pending.contains(k.key()) && current.data.value(k.key()) != k.value())
            diff.insert(k.key(), k.value());
    // A key the session does not have, or another type, can only go with the
    // item: re-create it (after the session's add won a race of the same id).
    bool recreate = current.type != server->type;
    QStringList extra; // keys the session deleted
    for (auto k = current.data.constBegin(); k != current.data.constEnd(); ++k)
        if (!server->data.contains(k.key()) && !pending.contains(k.key()))
            extra.append(k.key());
    if (!recreate && !extra.isEmpty() && m_sceneKeys && !presencePending) {
        if (!removeKeysFromScene(uuid, extra))
            return;
        extra.clear();
    }
    recreate = recreate || !extra.isEmpty();
    if (recreate && !presencePending) {
        QJsonObject data = server->data;
        for (auto k = pending.constBegin(); k != pending.constEnd(); ++k)
            if (current.data.contains(k.key()))
                data.insert(k.key(), current.data.value(k.key()));
        m_scene->beginBulkChange();
        if (!m_scene->removeItem(uuid, ChangeOrigin::Remote, &error)
            || !m_scene->addItem({uuid, server->type, data}, ChangeOrigin::Remote, &error))
            qCWarning(lcSync) << "could not re-create" << itemId << ":" << error;
        m_scene->endBulkChange();
        return;
    }
    if (diff.isEmpty())
        return;
    const QStringList changed = diff.keys();
    const bool poseOnly = std::all_of(changed.cbegin(), changed.cend(), [](const QString &k) { return poseKeys().contains(k); });
    bool ok;
    if (poseOnly) {
        auto value = [&](const char *key) {
            const QString k = QLatin1String(key);
            return (diff.contains(k) ? diff : current.data).value(k).toDouble();
        };
        ok = m_scene->moveItem(uuid, value(kXmm), value(kYmm), value(kAngleDeg), ChangeOrigin::Remote, &error);
    } else {
        ok = m_scene->updateItem(uuid, diff, ChangeOrigin::Remote, &error);
    }
    if (!ok)
        qCWarning(lcSync) << "could not update" << itemId << ":" << error;
}

void SyncManager::reconcileAll()
{
    m_scene->beginBulkChange();
    // Local items the session lacks first (removals), then the session's.
    const QList<SceneItem> local = m_scene->items();
    for (const SceneItem &i : local) {
        const QString id = idOf(i.uuid);
        if (!m_shadow.contains(id))
            reconcile(id);
    }
    for (auto it = m_shadow.constBegin(); it != m_shadow.constEnd(); ++it)
        reconcile(it.key());
    m_scene->endBulkChange();
}

bool SyncManager::applyToScene(const Command &command)
{
    const QUuid uuid = uuidOf(command.itemId);
    if (uuid.isNull()) {
        qCWarning(lcSync) << "ignored a command for a non-UUID item id" << command.itemId;
        return false;
    }
    QString error;
    bool ok = true;
    const SceneItem current = m_scene->item(uuid);
    switch (command.action) {
    case Command::Action::Add:
        if (current.uuid.isNull())
            return addToScene({uuid, command.itemType, command.data}, m_commandUser);
        break;
    case Command::Action::Move: {
        if (current.uuid.isNull())
            return false;
        auto value = [&](const char *key) {
            const QString k = QLatin1String(key);
            return (command.data.contains(k) ? command.data : current.data).value(k).toDouble();
        };
        ok = m_scene->moveItem(uuid, value(kXmm), value(kYmm), value(kAngleDeg), ChangeOrigin::Remote, &error);
        break;
    }
    case Command::Action::Update: {
        if (current.uuid.isNull())
            return false;
        QJsonObject data;
        for (const QString &k : command.effectiveKeys())
            data.insert(k, command.data.value(k));
        if (!data.isEmpty())
            ok = m_scene->updateItem(uuid, data, ChangeOrigin::Remote, &error);
        QStringList removed;
        for (const QString &k : command.removedKeys)
            if (current.data.contains(k))
                removed.append(k);
        if (ok && !removed.isEmpty())
            ok = removeKeysFromScene(uuid, removed);
        break;
    }
    case Command::Action::Remove:
        if (!current.uuid.isNull())
            ok = m_scene->removeItem(uuid, ChangeOrigin::Remote, &error);
        break;
    }
    if (!ok)
        qCWarning(lcSync) << "could not apply" << Command::actionName(command.action) << command.itemId << ":" << error;
    return ok;
}

} // namespace Optiverse::Collab
