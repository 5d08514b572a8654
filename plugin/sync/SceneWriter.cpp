// SPDX-License-Identifier: MIT
#include "SceneWriter.h"

#include "LocalEditCapture.h"
#include "Protocol.h"
#include "SessionModel.h"

#include <optiverse/iscene.h>
#include <optiverse/iscenekeys.h>

#include <QLoggingCategory>

#include <algorithm>

// The same category as SyncManager's: one switch for the whole sync.
Q_LOGGING_CATEGORY(lcSceneWriter, "optiverse.collab.sync", QtInfoMsg)

namespace Optiverse::Collab {

SceneWriter::SceneWriter(IScene *scene, NameOf nameOf, QObject *parent)
    : QObject(parent)
    , m_scene(scene)
    , m_nameOf(std::move(nameOf))
{
}

bool SceneWriter::removeKeys(const QUuid &uuid, const QStringList &keys)
{
    QString error;
    if (m_sceneKeys) {
        if (m_sceneKeys->removeKeys(uuid, keys, ChangeOrigin::Remote, &error))
            return true;
        qCWarning(lcSceneWriter) << "could not remove keys" << keys << "of" << uuid << ":" << error;
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
        qCWarning(lcSceneWriter) << "could not re-create" << uuid << "without" << keys << ":" << error;
    return ok;
}

bool SceneWriter::add(const SceneItem &item, const QString &byUserId)
{
    QString error;
    if (m_scene->addItem(item, ChangeOrigin::Remote, &error))
        return true;
    // Kept in the session (never removed, never re-sent); the user is told
    // once, in words, and later events for it are not attempted again.
    const QString id = LocalEditCapture::idOf(item.uuid);
    qCWarning(lcSceneWriter) << "the host refused" << item.type << id << ":" << error;
    if (m_refused.contains(id))
        return false;
    m_refused.insert(id);
    const QString who = byUserId.isEmpty() ? QString() : m_nameOf(byUserId);
    emit itemRefused(who.isEmpty()
                         ? tr("The session has an item of type '%1', which this application cannot show").arg(item.type)
                         : tr("%1 added an item of type '%2', which this application cannot show").arg(who, item.type));
    return false;
}

bool SceneWriter::moveTo(const QUuid &uuid, const QJsonObject &pose, const QJsonObject &current, QString *error)
{
    auto value = [&](QLatin1String key) { return (pose.contains(key) ? pose : current).value(key).toDouble(); };
    return m_scene->moveItem(uuid, value(Protocol::FieldXmm), value(Protocol::FieldYmm),
                             value(Protocol::FieldAngleDeg), ChangeOrigin::Remote, error);
}

void SceneWriter::show(const QString &itemId, const StateItem *server, const QHash<QString, int> &pending,
                       bool presencePending, const QString &byUserId)
{
    const QUuid uuid = QUuid::fromString(itemId);
    if (uuid.isNull())
        return;
    const SceneItem current = m_scene->item(uuid);
    const bool present = !current.uuid.isNull();
    QString error;
    if (presencePending && (!present || !server))
        return;
    if (!server) {
        m_refused.remove(itemId); // gone from the session: a later add is new
        if (present && !m_scene->removeItem(uuid, ChangeOrigin::Remote, &error))
            qCWarning(lcSceneWriter) << "could not remove" << itemId << ":" << error;
        return;
    }
    if (!present) {
        if (!m_refused.contains(itemId))
            add({uuid, server->type, server->data}, byUserId);
        return;
    }
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
        if (!removeKeys(uuid, extra))
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
            qCWarning(lcSceneWriter) << "could not re-create" << itemId << ":" << error;
        m_scene->endBulkChange();
        return;
    }
    if (diff.isEmpty())
        return;
    const QStringList changed = diff.keys();
    const bool poseOnly = std::all_of(changed.cbegin(), changed.cend(),
                                      [](const QString &k) { return SessionModel::poseKeys().contains(k); });
    const bool ok = poseOnly ? moveTo(uuid, diff, current.data, &error)
                             : m_scene->updateItem(uuid, diff, ChangeOrigin::Remote, &error);
    if (!ok)
        qCWarning(lcSceneWriter) << "could not update" << itemId << ":" << error;
}

bool SceneWriter::apply(const Command &command, const QString &byUserId)
{
    const QUuid uuid = QUuid::fromString(command.itemId);
    if (uuid.isNull()) {
        qCWarning(lcSceneWriter) << "ignored a command for a non-UUID item id" << command.itemId;
        return false;
    }
    QString error;
    bool ok = true;
    const SceneItem current = m_scene->item(uuid);
    switch (command.action) {
    case Command::Action::Add:
        if (current.uuid.isNull())
            return add({uuid, command.itemType, command.data}, byUserId);
        break;
    case Command::Action::Move:
        if (current.uuid.isNull())
            return false;
        ok = moveTo(uuid, command.data, current.data, &error);
        break;
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
            ok = removeKeys(uuid, removed);
        break;
    }
    case Command::Action::Remove:
        if (!current.uuid.isNull())
            ok = m_scene->removeItem(uuid, ChangeOrigin::Remote, &error);
        break;
    }
    if (!ok)
        qCWarning(lcSceneWriter) << "could not apply" << Command::actionName(command.action) << command.itemId << ":"
                                 << error;
    return ok;
}

QList<Command> SceneWriter::restoring(const QString &itemId, const StateItem *server, bool forOriginal) const
{
    const SceneItem shown = m_scene->item(QUuid::fromString(itemId));
    const bool inScene = !shown.uuid.isNull();
    Command removal;
    removal.action = Command::Action::Remove;
    removal.itemId = itemId;
    if (inScene && !server) {
        // Original peers that did get our add would create a second copy on
        // a second add (they do not check): remove it first.
        removal.itemType = shown.type;
        QList<Command> out;
        if (forOriginal)
            out.append(removal);
        out.append(LocalEditCapture::commandFor(Command::Action::Add, shown));
        return out;
    }
    if (!inScene && server) {
        removal.itemType = server->type;
        return {removal};
    }
    if (!inScene)
        return {};
    QStringList changed, removed;
    for (auto k = shown.data.constBegin(); k != shown.data.constEnd(); ++k)
        if (server->data.value(k.key()) != k.value())
            changed.append(k.key());
    if (!forOriginal)
        for (auto k = server->data.constBegin(); k != server->data.constEnd(); ++k)
            if (!shown.data.contains(k.key()) && !SessionModel::poseKeys().contains(k.key()))
                removed.append(k.key());
    if (changed.isEmpty() && removed.isEmpty())
        return {};
    Command update = LocalEditCapture::commandFor(Command::Action::Update, shown);
    update.changedKeys = changed;
    update.removedKeys = removed;
    return {update};
}

} // namespace Optiverse::Collab
