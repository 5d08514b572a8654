// SPDX-License-Identifier: MIT
#include "UpdateItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;
using Optiverse::UndoChange;
using Optiverse::UndoDirection;

UpdateItemCommand::UpdateItemCommand(HostScene *scene, const QUuid &uuid,
                                     const QJsonObject &before, const QStringList &absentBefore,
                                     const QJsonObject &after, const QStringList &removed)
    : m_scene(scene), m_uuid(uuid), m_undo{before, absentBefore}, m_redo{after, removed}
{
    setText(after.isEmpty() ? QObject::tr("Delete %1").arg(removed.join(QStringLiteral(", ")))
                            : QObject::tr("Edit %1").arg(after.keys().join(QStringLiteral(", "))));
}

UpdateItemCommand::Patch UpdateItemCommand::Patch::only(const QStringList &keys) const
{
    Patch p;
    for (const QString &k : keys) {
        if (set.contains(k))
            p.set.insert(k, set.value(k));
        else if (remove.contains(k))
            p.remove.append(k);
    }
    return p;
}

UpdateItemCommand::Patch UpdateItemCommand::capture(const QStringList &keys) const
{
    const QJsonObject data = m_scene->item(m_uuid).data;
    Patch p;
    for (const QString &k : keys) {
        if (data.contains(k))
            p.set.insert(k, data.value(k));
        else
            p.remove.append(k);
    }
    return p;
}

void UpdateItemCommand::redo()
{
    if (m_first) {
        m_first = false;
        if (!m_scene->applyPatch(m_uuid, m_redo.set, m_redo.remove, ChangeOrigin::Local))
            setObsolete(true); // removed by a remote user
        return;
    }
    run(m_redo, m_undo, UndoDirection::Redo);
}

void UpdateItemCommand::undo()
{
    run(m_undo, m_redo, UndoDirection::Undo);
}

void UpdateItemCommand::run(const Patch &apply, Patch &inverse, UndoDirection direction)
{
    m_skipped = {};
    m_skippedInverse = nullptr;
    const Optiverse::SceneItem item = m_scene->item(m_uuid);
    const QStringList keys = apply.keys();
    const UndoChange change{UndoChange::Kind::Edit, m_uuid, item.type, keys};
    if (item.uuid.isNull()) { // removed by a remote user: nothing to do, ever again
        m_scene->noteUndoImpossible(change);
        setObsolete(true);
        return;
    }
    if (keys.isEmpty())
        return; // everything of this step was left out before
    const Optiverse::UndoVerdict verdict = m_scene->reviewUndoChange(change, direction);
    QStringList allowed, skipped;
    for (const QString &k : keys)
        (verdict.skip || verdict.skippedKeys.contains(k) ? skipped : allowed).append(k);
    const Patch now = apply.only(allowed);
    inverse = capture(allowed); // redo is built from the values at the time of the undo
    if (!skipped.isEmpty()) {
        m_skipped = apply.only(skipped);
        m_skippedInverse = &inverse;
        m_scene->noteUndoSkipped(this, {UndoChange::Kind::Edit, m_uuid, item.type, skipped});
    }
    if (!allowed.isEmpty()) {
        m_scene->applyPatch(m_uuid, now.set, now.remove, ChangeOrigin::Local);
        m_scene->noteUndoApplied({UndoChange::Kind::Edit, m_uuid, item.type, allowed});
    }
}

void UpdateItemCommand::applySkipped()
{
    if (!m_skippedInverse || m_scene->item(m_uuid).uuid.isNull())
        return;
    const Patch back = capture(m_skipped.keys());
    for (auto it = back.set.begin(); it != back.set.end(); ++it)
        m_skippedInverse->set.insert(it.key(), it.value());
    m_skippedInverse->remove += back.remove;
    m_scene->applyPatch(m_uuid, m_skipped.set, m_skipped.remove, ChangeOrigin::Local);
    m_skipped = {};
    m_skippedInverse = nullptr;
}
