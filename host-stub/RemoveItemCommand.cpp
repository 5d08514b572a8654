// SPDX-License-Identifier: MIT
#include "RemoveItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;

RemoveItemCommand::RemoveItemCommand(HostScene *scene, const Optiverse::SceneItem &item)
    : m_scene(scene), m_item(item)
{
    setText(QObject::tr("Remove %1").arg(item.type));
}

void RemoveItemCommand::redo()
{
    const Optiverse::SceneItem current = m_scene->item(m_item.uuid);
    if (current.uuid.isNull()) { // already gone (removed remotely)
        setObsolete(true);
        return;
    }
    m_item = current;
    m_scene->applyRemove(m_item.uuid, ChangeOrigin::Local);
}

void RemoveItemCommand::undo()
{
    // Refuses if the UUID came back meanwhile (e.g. a remote re-add).
    if (!m_scene->applyAdd(m_item, ChangeOrigin::Local))
        setObsolete(true);
}
