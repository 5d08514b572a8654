// SPDX-License-Identifier: MIT
#pragma once

#include "OpticalItem.h"

#include <QUndoCommand>
#include <QUuid>

class HostScene;

/// Undoable local move between two poses, found by UUID at undo/redo time.
class MoveItemCommand : public QUndoCommand
{
public:
    /// @p alreadyApplied: the item already sits at @p to (end of a mouse
    /// drag); the first redo() then only reports the final pose.
    MoveItemCommand(HostScene *scene, const QUuid &uuid, const OpticalItem::Pose &from,
                    const OpticalItem::Pose &to, bool alreadyApplied = false);
    void redo() override;
    void undo() override;

private:
    HostScene *m_scene;
    QUuid m_uuid;
    OpticalItem::Pose m_from;
    OpticalItem::Pose m_to;
    bool m_reportUnchanged;
};
