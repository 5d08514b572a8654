// SPDX-License-Identifier: MIT
#include "SyncManager.h"

#include "CollabClient.h"
#include "Message.h"
#include "MessageFactory.h"

#include <optiverse/iscene.h>

#include <QLoggingCategory>

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
        if (it != model.end())
            for (const QString &k : command.effectiveKeys())
                it->data.insert(k, command.data.value(k));
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
    case Command::Action::Update: return command.effectiveKeys();
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
    connect(m_client, &CollabClient::stateChanged, this, [this](CollabClient::State state) {
        if (state != CollabClient::State::Connected)
            onDisconnected();
    });
    m_dragTimer.setInterval(33);
    connect(&m_dragTimer, &QTimer::timeout, this, &SyncManager::flushDrags);
}

SyncManager::~SyncManager()
{
    m_scene->removeObserver(this);
}

// ---- local edits -----------------------------------------------------------

void SyncManager::itemAdded(const SceneItem &item, ChangeOrigin origin)
{
    if (origin != ChangeOrigin::Local)
        return; // applied on behalf of someone else: never send it back
    Command c;
    c.action = Command::Action::Add;
    c.itemId = idOf(item.uuid);
    c.itemType = item.type;
    c.data = item.data;
    submit(std::move(c));
}

void SyncManager::itemMoved(const SceneItem &item, ChangeOrigin origin)
{
    if (origin != ChangeOrigin::Local)
        return;
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
    Command c;
    c.action = Command::Action::Move;
    c.itemId = idOf(item.uuid);
    c.itemType = item.type;
    c.data = poseOf(item.data);
    if (m_lastSentPose.value(c.itemId) == c.data)
        return; // the drag's final pose already went out
    submit(std::move(c));
}

void SyncManager::itemUpdated(const SceneItem &item, const QStringList &changedKeys, ChangeOrigin origin)
{
    if (origin != ChangeOrigin::Local)
        return;
    Command c;
    c.action = Command::Action::Update;
    c.itemId = idOf(item.uuid);
    c.itemType = item.type;
    // Full data for original peers, changed_keys so ours merge per property.
    c.data = item.data;
    c.changedKeys = changedKeys;
    submit(std::move(c));
}

void SyncManager::itemRemoved(const SceneItem &item, ChangeOrigin origin)
{
    m_dragging.remove(item.uuid);
    m_dragLatest.remove(item.uuid);
    m_lastSentPose.remove(idOf(item.uuid));
    if (origin != ChangeOrigin::Local)
        return;
    Command c;
    c.action = Command::Action::Remove;
    c.itemId = idOf(item.uuid);
    c.itemType = item.type;
    submit(std::move(c));
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
        Command c;
        c.action = Command::Action::Move;
        c.itemId = idOf(item.uuid);
        c.itemType = item.type;
        c.data = poseOf(item.data);
        if (m_lastSentPose.value(c.itemId) != c.data)
            submit(std::move(c));
    }
    if (latest.isEmpty() && m_dragging.isEmpty())
        m_dragTimer.stop();
}

void SyncManager::submit(Command command)
{
    if (command.action == Command::Action::Move)
        m_lastSentPose.insert(command.itemId, command.data);
    if (m_synced && m_client->state() == CollabClient::State::Connected) {
        sendNow(command);
        return;
    }
    if (m_offline.size() >= m_offlineLimit) {
        emit editDropped(tr("Too many edits while disconnected: the edit of %1 will not be shared").arg(command.itemId));
        return;
    }
    // Consecutive moves of one item while offline collapse into the last one.
    if (command.action == Command::Action::Move && !m_offline.isEmpty()
        && m_offline.constLast().action == Command::Action::Move && m_offline.constLast().itemId == command.itemId)
        m_offline.last() = std::move(command);
    else
        m_offline.append(std::move(command));
}

void SyncManager::sendNow(const Command &command)
{
    qint64 clientSeq = -1;
    if (m_client->serverSequences()) {
        clientSeq = m_nextClientSeq++;
        m_unacked.insert(clientSeq, command);
        auto &pending = m_pendingKeys[command.itemId];
        for (const QString &k : keysWritten(command))
            ++pending[k];
    }
    if (m_client->send(MessageFactory::toBytes(MessageFactory::command(m_client->userId(), command, clientSeq))))
        ++m_commandsSent;
}

void SyncManager::flushOffline()
{
    // Unacknowledged commands from before a disconnect go first: re-sending is
    // harmless (the server refuses a second add or remove, moves are absolute).
    QList<Command> queue;
    queue.reserve(m_unacked.size() + m_offline.size());
    QList<qint64> seqs = m_unacked.keys();
    std::sort(seqs.begin(), seqs.end());
    for (qint64 s : seqs)
        queue.append(m_unacked.value(s));
    m_unacked.clear();
    m_pendingKeys.clear();
    queue.append(std::exchange(m_offline, {}));
    for (const Command &c : std::as_const(queue))
        sendNow(c);
}

// ---- joining and resync -------------------------------------------------

void SyncManager::onJoined(bool resumed)
{
    m_synced = false;
    const bool sequenced = m_client->serverSequences();
    if (resumed && m_everSynced) {
        // Ask only for what we missed; the server answers with the full state
        // when it no longer holds that much history.
        m_client->send(MessageFactory::syncRequest(sequenced ? m_lastSeq : -1));
        if (!sequenced) { // original servers may answer nothing: go on
            m_synced = true;
            flushOffline();
            emit synchronized();
        }
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
        // Edits made before joining are part of the scene we push.
        m_offline.clear();
        m_client->send(MessageFactory::fullState(items, -1));
        if (!sequenced) {
            m_synced = m_everSynced = true;
            emit synchronized();
        }
        return; // our server answers with sync:caught_up
    }
    m_client->send(MessageFactory::syncRequest());
    if (!sequenced) {
        m_synced = m_everSynced = true;
        flushOffline();
        emit synchronized();
    }
}

void SyncManager::onDisconnected()
{
    m_synced = false;
}

void SyncManager::onMessage(const Message &message)
{
    switch (message.type()) {
    case Message::Type::Command: {
        const Command &command = message.command();
        if (message.seq() >= 0)
            m_lastSeq = std::max(m_lastSeq, message.seq());
        const bool own = message.userId() == m_client->userId() && message.clientSeq() >= 0
            && m_unacked.contains(message.clientSeq());
        if (m_client->serverSequences())
            applyToModel(m_shadow, command);
        if (own) {
            // Our acknowledgement: the scene already shows it.
            releasePending(m_unacked.take(message.clientSeq()));
            return;
        }
        applyRemote(command, message.userId());
        return;
    }
    case Message::Type::CommandRejected: {
        const qint64 cs = message.clientSeq();
        if (!m_unacked.contains(cs))
            return;
        const Command command = m_unacked.take(cs);
        releasePending(command);
        qCInfo(lcSync) << "server refused" << Command::actionName(command.action) << command.itemId << ":"
                       << message.json().value(QLatin1String("reason")).toString();
        restoreFromShadow(command.itemId);
        return;
    }
    case Message::Type::SyncFullState: {
        m_shadow.clear();
        for (const StateItem &i : message.items())
            m_shadow.insert(i.id, i);
        if (message.version() >= 0)
            m_lastSeq = message.version();
        replaceScene(message.items());
        if (!m_synced) {
            reapplyOfflineEdits();
            m_synced = m_everSynced = true;
            flushOffline();
            emit synchronized();
        }
        return;
    }
    case Message::Type::SyncCaughtUp:
        if (message.seq() >= 0)
            m_lastSeq = message.seq();
        if (!m_synced) {
            m_synced = m_everSynced = true;
            flushOffline();
            emit synchronized();
        }
        return;
    default:
        return;
    }
}

// ---- applying remote state ------------------------------------------------

QStringList SyncManager::protectedKeys(const QString &itemId) const
{
    QStringList keys;
    const auto it = m_pendingKeys.constFind(itemId);
    if (it != m_pendingKeys.constEnd())
        for (auto k = it->constBegin(); k != it->constEnd(); ++k)
            if (k.value() > 0)
                keys.append(k.key());
    return keys;
}

void SyncManager::applyRemote(const Command &command, const QString &userId)
{
    if (command.action == Command::Action::Remove) {
        // A removal beats concurrent edits: forget ours for this item.
        m_pendingKeys.remove(command.itemId);
    }
    if (applyToScene(command, true)) {
        ++m_remoteApplied;
        emit remoteCommandApplied(userId, command);
    }
}

bool SyncManager::applyToScene(const Command &command, bool respectPending)
{
    const QUuid uuid = uuidOf(command.itemId);
    if (uuid.isNull()) {
        qCWarning(lcSync) << "ignored a command for a non-UUID item id" << command.itemId;
        return false;
    }
    const QStringList held = respectPending ? protectedKeys(command.itemId) : QStringList();
    QString error;
    bool ok = true;
    const SceneItem current = m_scene->item(uuid);
    switch (command.action) {
    case Command::Action::Add:
        if (current.uuid.isNull())
            ok = m_scene->addItem({uuid, command.itemType, command.data}, ChangeOrigin::Remote, &error);
        break;
    case Command::Action::Move: {
        if (current.uuid.isNull())
            return false;
        auto value = [&](const char *key) {
            const QString k = QLatin1String(key);
            return (held.contains(k) || !command.data.contains(k) ? current.data : command.data).value(k).toDouble();
        };
        ok = m_scene->moveItem(uuid, value(kXmm), value(kYmm), value(kAngleDeg), ChangeOrigin::Remote, &error);
        break;
    }
    case Command::Action::Update: {
        if (current.uuid.isNull())
            return false;
        QJsonObject data;
        for (const QString &k : command.effectiveKeys())
            if (!held.contains(k))
                data.insert(k, command.data.value(k));
        if (!data.isEmpty())
            ok = m_scene->updateItem(uuid, data, ChangeOrigin::Remote, &error);
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

void SyncManager::releasePending(const Command &command)
{
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

void SyncManager::restoreFromShadow(const QString &itemId)
{
    // The server refused our edit: show what the session really holds.
    const QUuid uuid = uuidOf(itemId);
    const auto it = m_shadow.constFind(itemId);
    const SceneItem current = m_scene->item(uuid);
    QString error;
    if (it == m_shadow.constEnd()) {
        if (!current.uuid.isNull())
            m_scene->removeItem(uuid, ChangeOrigin::Remote, &error);
        return;
    }
    if (current.uuid.isNull()) {
        m_scene->addItem({uuid, it->type, it->data}, ChangeOrigin::Remote, &error);
        return;
    }
    QJsonObject diff;
    for (auto k = it->data.constBegin(); k != it->data.constEnd(); ++k)
        if (current.data.value(k.key()) != k.value() && !protectedKeys(itemId).contains(k.key()))
            diff.insert(k.key(), k.value());
    if (!diff.isEmpty())
        m_scene->updateItem(uuid, diff, ChangeOrigin::Remote, &error);
}

void SyncManager::replaceScene(const QList<StateItem> &items)
{
    m_scene->beginBulkChange();
    QSet<QUuid> wanted;
    wanted.reserve(items.size());
    for (const StateItem &i : items)
        wanted.insert(uuidOf(i.id));
    QString error;
    for (const SceneItem &local : m_scene->items())
        if (!wanted.contains(local.uuid))
            m_scene->removeItem(local.uuid, ChangeOrigin::Remote, &error);
    for (const StateItem &i : items) {
        const QUuid uuid = uuidOf(i.id);
        if (uuid.isNull())
            continue;
        const SceneItem current = m_scene->item(uuid);
        if (!current.uuid.isNull() && current.type != i.type) {
            m_scene->removeItem(uuid, ChangeOrigin::Remote, &error);
        } else if (!current.uuid.isNull()) {
            QJsonObject diff;
            for (auto k = i.data.constBegin(); k != i.data.constEnd(); ++k)
                if (current.data.value(k.key()) != k.value())
                    diff.insert(k.key(), k.value());
            if (!diff.isEmpty() && !m_scene->updateItem(uuid, diff, ChangeOrigin::Remote, &error))
                qCWarning(lcSync) << "could not update" << i.id << ":" << error;
            continue;
        }
        if (!m_scene->addItem({uuid, i.type, i.data}, ChangeOrigin::Remote, &error))
            qCWarning(lcSync) << "could not add" << i.id << ":" << error;
    }
    m_scene->endBulkChange();
}

void SyncManager::reapplyOfflineEdits()
{
    // The fresh state replaced the scene; put the user's offline edits back on
    // top of it, as they will be once the server has them.
    QList<Command> kept;
    for (const Command &c : std::as_const(m_offline)) {
        const bool exists = !m_scene->item(uuidOf(c.itemId)).uuid.isNull();
        if (c.action != Command::Action::Add && !exists) {
            emit editDropped(tr("An offline edit of %1 was dropped: another user removed the item").arg(c.itemId));
            continue;
        }
        applyToScene(c, false);
        kept.append(c);
    }
    m_offline = kept;
}

} // namespace Optiverse::Collab
