// SPDX-License-Identifier: MIT
#include "UpdateItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;

UpdateItemCommand::UpdateItemCommand(HostScene *scene, const QUuid &uuid,
                                     const QJsonObject &before, const QStringList &absentBefore,
                                     const QJsonObject &after, const QStringList &removed)
    : m_scene(scene), m_uuid(uuid), m_before(before), m_absentBefore(absentBefore), m_after(after), m_removed(removed)
{
    setText(after.isEmpty() ? QObject::tr("Delete %1").arg(removed.join(QStringLiteral(", ")))
                            : QObject::tr("Edit %1").arg(after.keys().join(QStringLiteral(", "))));
}

void UpdateItemCommand::redo()
{
    if (!m_scene->applyPatch(m_uuid, m_after, m_removed, ChangeOrigin::Local))
        setObsolete(true); // removed by a remote user
}

void UpdateItemCommand::undo()
{
    if (!m_scene->applyPatch(m_uuid, m_before, m_absentBefore, ChangeOrigin::Local))
        setObsolete(true);
}
