// SPDX-License-Identifier: MIT
#include "RemoveItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;
using Optiverse::UndoChange;
using Optiverse::UndoDirection;

RemoveItemCommand::RemoveItemCommand(HostScene *scene, const Optiverse::SceneItem &item)
    : m_scene(scene), m_item(item)
{
    setText(QObject::tr("Remove %1").arg(item.type));
}

void RemoveItemCommand::redo()
{
    m_skippedRedo = false;
    const Optiverse::SceneItem current = m_scene->item(m_item.uuid);
    const UndoChange change{UndoChange::Kind::Remove, m_item.uuid, m_item.type, {}};
    if (current.uuid.isNull()) { // already gone (removed remotely)
        if (!m_first)
            m_scene->noteUndoImpossible(change);
        setObsolete(true);
        return;
    }
    if (!m_first && m_scene->reviewUndoChange(change, UndoDirection::Redo).skip) {
        m_skippedRedo = true;
        m_removed = false;
        m_scene->noteUndoSkipped(this, change);
        return;
    }
    m_item = current;
    m_scene->applyRemove(m_item.uuid, ChangeOrigin::Local);
    m_removed = true;
    if (!m_first)
        m_scene->noteUndoApplied(change);
    m_first = false;
}

void RemoveItemCommand::undo()
{
    m_skippedRedo = false;
    if (!m_removed)
        return; // its redo was left out: the item is still there
    const UndoChange change{UndoChange::Kind::Create, m_item.uuid, m_item.type, {}};
    // Refuses if the UUID came back meanwhile (e.g. a remote re-add).
    if (m_scene->findItem(m_item.uuid) || m_scene->reviewUndoChange(change, UndoDirection::Undo).skip
        || !m_scene->applyAdd(m_item, ChangeOrigin::Local)) {
        m_scene->noteUndoImpossible(change);
        setObsolete(true);
        return;
    }
    m_removed = false;
    m_scene->noteUndoApplied(change);
}

void RemoveItemCommand::applySkipped()
{
    const Optiverse::SceneItem current = m_scene->item(m_item.uuid);
    if (!m_skippedRedo || current.uuid.isNull())
        return;
    m_skippedRedo = false;
    m_item = current;
    m_scene->applyRemove(m_item.uuid, ChangeOrigin::Local);
    m_removed = true;
}
