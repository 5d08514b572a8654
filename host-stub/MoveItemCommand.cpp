// SPDX-License-Identifier: MIT
#include "MoveItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;

MoveItemCommand::MoveItemCommand(HostScene *scene, const QUuid &uuid,
                                 const OpticalItem::Pose &from, const OpticalItem::Pose &to,
                                 bool alreadyApplied)
    : m_scene(scene), m_uuid(uuid), m_from(from), m_to(to), m_reportUnchanged(alreadyApplied)
{
    setText(QObject::tr("Move"));
}

void MoveItemCommand::redo()
{
    const bool ok = m_scene->applyMove(m_uuid, m_to, ChangeOrigin::Local, m_reportUnchanged);
    m_reportUnchanged = false;
    if (!ok) // removed by a remote user: nothing to move, ever again
        setObsolete(true);
}

void MoveItemCommand::undo()
{
    if (!m_scene->applyMove(m_uuid, m_from, ChangeOrigin::Local))
        setObsolete(true);
}
