// SPDX-License-Identifier: MIT
#pragma once

#include "OpticalItem.h"
#include "UndoableCommand.h"

#include <optiverse/undostep.h>

#include <QUuid>
#include <optional>

class HostScene;

/// Undoable local move between two poses, found by UUID at undo/redo time.
/// The pose is one property for guards: all of it is applied or none. Each
/// undo records the pose it replaces for the next redo (and the other way round).
class MoveItemCommand : public UndoableCommand
{
public:
    /// @p alreadyApplied: the item already sits at @p to (end of a mouse
    /// drag); the first redo() then only reports the final pose.
    MoveItemCommand(HostScene *scene, const QUuid &uuid, const OpticalItem::Pose &from,
                    const OpticalItem::Pose &to, bool alreadyApplied = false);
    void redo() override;
    void undo() override;
    void applySkipped() override;

private:
    using OptionalPose = std::optional<OpticalItem::Pose>;
    void run(const OptionalPose &target, OptionalPose &inverse, Optiverse::UndoDirection direction);

    HostScene *m_scene;
    QUuid m_uuid;
    OptionalPose m_from; // empty: left out by a guard, nothing to put back
    OptionalPose m_to;
    bool m_first = true;
    bool m_reportUnchanged;
    OptionalPose m_skipped;
    OptionalPose *m_skippedInverse = nullptr;
};
