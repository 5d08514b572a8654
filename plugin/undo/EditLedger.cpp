// SPDX-License-Identifier: MIT
#include "EditLedger.h"

#include "Command.h"
#include "SyncManager.h"

#include <optiverse/iscene.h>

namespace Optiverse::Collab {

namespace {
const QStringList &poseKeys()
{
    static const QStringList keys{QLatin1String(kXmm), QLatin1String(kYmm), QLatin1String(kAngleDeg)};
    return keys;
}
} // namespace

EditLedger::EditLedger(IScene *scene, SyncManager *sync, QObject *parent)
    : QObject(parent)
    , m_scene(scene)
{
    m_clock.start();
    m_scene->addObserver(this);
    // Emitted right after the command was applied: the scene shows its result.
    connect(sync, &SyncManager::remoteCommandApplied, this, &EditLedger::onRemoteCommand);
}

EditLedger::~EditLedger()
{
    m_scene->removeObserver(this);
}

EditLedger::Write EditLedger::lastWrite(const QUuid &uuid, const QString &key) const
{
    return m_writes.value(uuid).value(key);
}

EditLedger::Write EditLedger::lastRemoteWrite(const QUuid &uuid) const
{
    Write latest;
    for (const Write &w : m_writes.value(uuid))
        if (w.isRemote() && w.atMs > latest.atMs)
            latest = w;
    return latest;
}

void EditLedger::recordLocal(const SceneItem &item, const QStringList &keys, bool byAdd)
{
    auto &writes = m_writes[item.uuid];
    const qint64 now = nowMs();
    for (const QString &k : keys)
        writes.insert(k, {QString(), now, item.data.value(k), byAdd});
}

void EditLedger::itemAdded(const SceneItem &item, ChangeOrigin origin)
{
    if (origin != ChangeOrigin::Local)
        return;
    m_removedBy.remove(item.uuid);
    m_writes.remove(item.uuid);
    m_oursBeforeRemoval.remove(item.uuid);
    recordLocal(item, item.data.keys(), true);
}

void EditLedger::itemMoved(const SceneItem &item, ChangeOrigin origin)
{
    if (origin == ChangeOrigin::Local)
        recordLocal(item, poseKeys());
}

void EditLedger::itemUpdated(const SceneItem &item, const QStringList &changedKeys, ChangeOrigin origin)
{
    if (origin == ChangeOrigin::Local)
        recordLocal(item, changedKeys);
}

void EditLedger::itemRemoved(const SceneItem &item, ChangeOrigin origin)
{
    const QHash<QString, Write> writes = m_writes.take(item.uuid);
    if (origin == ChangeOrigin::Local) {
        m_oursBeforeRemoval.remove(item.uuid);
        m_removedBy.remove(item.uuid);
    } else {
        QHash<QString, Write> ours;
        for (auto it = writes.cbegin(); it != writes.cend(); ++it)
            if (!it->isRemote() && it->atMs >= 0)
                ours.insert(it.key(), *it);
        if (!ours.isEmpty()) {
            if (m_oursBeforeRemoval.size() >= MaxRemovedItemsKept)
                m_oursBeforeRemoval.erase(m_oursBeforeRemoval.begin());
            m_oursBeforeRemoval.insert(item.uuid, ours);
        }
    }
}

void EditLedger::onRemoteCommand(const QString &userId, const Command &command)
{
    const QUuid uuid = QUuid::fromString(command.itemId);
    if (uuid.isNull())
        return;
    if (command.action == Command::Action::Remove) {
        m_removedBy.insert(uuid, userId);
        m_writes.remove(uuid);
        return;
    }
    const SceneItem item = m_scene->item(uuid);
    if (item.uuid.isNull())
        return;
    QStringList keys;
    QHash<QString, Write> ours; // what we wrote before it was removed
    switch (command.action) {
    case Command::Action::Add:
        m_removedBy.remove(uuid);
        keys = item.data.keys();
        ours = m_oursBeforeRemoval.take(uuid);
        break;
    case Command::Action::Move:
        keys = poseKeys();
        break;
    case Command::Action::Update:
        keys = command.effectiveKeys() + command.removedKeys;
        break;
    case Command::Action::Remove:
        break;
    }
    auto &writes = m_writes[uuid];
    const qint64 now = nowMs();
    QStringList lost;
    QJsonObject mine;
    const bool open = m_stillOpen && m_stillOpen(uuid);
    for (const QString &k : std::as_const(keys)) {
        const QJsonValue shown = item.data.value(k);
        const bool deleted = command.removedKeys.contains(k);
        if (deleted ? !shown.isUndefined() : shown != command.data.value(k))
            continue; // our own edit in flight keeps the scene's value: theirs came first
        if (const auto mine = ours.constFind(k); mine != ours.cend() && mine->value == shown) {
            writes.insert(k, *mine); // back as we left it: still our write
            continue;
        }
        const Write before = writes.value(k);
        if (before.atMs >= 0 && before.userId.isEmpty() && !before.byAdd && (open || now - before.atMs <= m_windowMs)
            && before.value != shown) {
            lost.append(k);
            mine.insert(k, before.value);
        }
        writes.insert(k, {userId, now, QJsonValue(), command.action == Command::Action::Add});
    }
    if (!lost.isEmpty())
        emit overwritten(userId, item, lost, mine);
}

} // namespace Optiverse::Collab
