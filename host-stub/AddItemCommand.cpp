// SPDX-License-Identifier: MIT
#include "AddItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;
using Optiverse::UndoChange;
using Optiverse::UndoDirection;

AddItemCommand::AddItemCommand(HostScene *scene, const Optiverse::SceneItem &item)
    : m_scene(scene), m_item(item)
{
    setText(QObject::tr("Add %1").arg(item.type));
}

void AddItemCommand::redo()
{
    m_skippedUndo = false;
    if (m_first) {
        m_first = false;
        // Fails only if someone re-created the UUID meanwhile: then this entry
        // has nothing left to do and QUndoStack drops it.
        if (!m_scene->applyAdd(m_item, ChangeOrigin::Local))
            setObsolete(true);
        return;
    }
    if (!m_removed)
        return; // its undo was left out: the item is still there
    const UndoChange change{UndoChange::Kind::Create, m_item.uuid, m_item.type, {}};
    if (!m_scene->findItem(m_item.uuid)) {
        const Optiverse::UndoVerdict verdict = m_scene->reviewUndoChange(change, UndoDirection::Redo);
        if (!verdict.skip) {
            m_scene->applyAdd(m_item, ChangeOrigin::Local);
            m_removed = false;
            m_scene->noteUndoApplied(change);
            return;
        }
    }
    // The id is in use again (a remote re-add), or a guard kept it out.
    m_scene->noteUndoImpossible(change);
    setObsolete(true);
}

void AddItemCommand::undo()
{
    m_skippedUndo = false;
    // Take the latest state (remote edits included) so redo restores it.
    const Optiverse::SceneItem current = m_scene->item(m_item.uuid);
    const UndoChange change{UndoChange::Kind::Remove, m_item.uuid, m_item.type, {}};
    if (current.uuid.isNull()) { // a remote user removed it
        m_scene->noteUndoImpossible(change);
        setObsolete(true);
        return;
    }
    if (m_scene->reviewUndoChange(change, UndoDirection::Undo).skip) {
        m_skippedUndo = true;
        m_removed = false;
        m_scene->noteUndoSkipped(this, change);
        return;
    }
    m_item = current;
    m_scene->applyRemove(m_item.uuid, ChangeOrigin::Local);
    m_removed = true;
    m_scene->noteUndoApplied(change);
}

void AddItemCommand::applySkipped()
{
    const Optiverse::SceneItem current = m_scene->item(m_item.uuid);
    if (!m_skippedUndo || current.uuid.isNull())
        return;
    m_skippedUndo = false;
    m_item = current;
    m_scene->applyRemove(m_item.uuid, ChangeOrigin::Local);
    m_removed = true;
}
