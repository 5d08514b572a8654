// SPDX-License-Identifier: MIT
#include "AddItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;

AddItemCommand::AddItemCommand(HostScene *scene, const Optiverse::SceneItem &item)
    : m_scene(scene), m_item(item)
{
    setText(QObject::tr("Add %1").arg(item.type));
}

void AddItemCommand::redo()
{
    // Fails only if someone re-created the UUID meanwhile: then this entry
    // has nothing left to do and QUndoStack drops it.
    if (!m_scene->applyAdd(m_item, ChangeOrigin::Local))
        setObsolete(true);
}

void AddItemCommand::undo()
{
    // Take the latest state (remote edits included) so redo restores it.
    const Optiverse::SceneItem current = m_scene->item(m_item.uuid);
    if (current.uuid.isNull()) { // a remote user removed it
        setObsolete(true);
        return;
    }
    m_item = current;
    m_scene->applyRemove(m_item.uuid, ChangeOrigin::Local);
}
