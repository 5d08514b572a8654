// SPDX-License-Identifier: MIT
#include "UpdateItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;

UpdateItemCommand::UpdateItemCommand(HostScene *scene, const QUuid &uuid,
                                     const QJsonObject &before, const QStringList &absentBefore,
                                     const QJsonObject &after)
    : m_scene(scene), m_uuid(uuid), m_before(before), m_absentBefore(absentBefore), m_after(after)
{
    setText(QObject::tr("Edit %1").arg(after.keys().join(QStringLiteral(", "))));
}

void UpdateItemCommand::redo()
{
    if (!m_scene->applyPatch(m_uuid, m_after, {}, ChangeOrigin::Local))
        setObsolete(true); // removed by a remote user
}

void UpdateItemCommand::undo()
{
    if (!m_scene->applyPatch(m_uuid, m_before, m_absentBefore, ChangeOrigin::Local))
        setObsolete(true);
}
