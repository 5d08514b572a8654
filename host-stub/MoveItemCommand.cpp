// SPDX-License-Identifier: MIT
#include "MoveItemCommand.h"

#include "HostScene.h"

using Optiverse::ChangeOrigin;
using Optiverse::UndoChange;
using Optiverse::UndoDirection;

namespace {
QStringList poseKeys()
{
    return {OpticalItem::xKey(), OpticalItem::yKey(), OpticalItem::angleKey()};
}
} // namespace

MoveItemCommand::MoveItemCommand(HostScene *scene, const QUuid &uuid,
                                 const OpticalItem::Pose &from, const OpticalItem::Pose &to,
                                 bool alreadyApplied)
    : m_scene(scene), m_uuid(uuid), m_from(from), m_to(to), m_reportUnchanged(alreadyApplied)
{
    setText(QObject::tr("Move"));
}

void MoveItemCommand::redo()
{
    if (m_first) {
        m_first = false;
        const bool ok = m_scene->applyMove(m_uuid, *m_to, ChangeOrigin::Local, m_reportUnchanged);
        m_reportUnchanged = false;
        if (!ok) // removed by a remote user: nothing to move, ever again
            setObsolete(true);
        return;
    }
    run(m_to, m_from, UndoDirection::Redo);
}

void MoveItemCommand::undo()
{
    run(m_from, m_to, UndoDirection::Undo);
}

void MoveItemCommand::run(const OptionalPose &target, OptionalPose &inverse, UndoDirection direction)
{
    m_skipped.reset();
    m_skippedInverse = nullptr;
    const OpticalItem *item = m_scene->findItem(m_uuid);
    const UndoChange change{UndoChange::Kind::Edit, m_uuid, item ? item->itemType() : QString(), poseKeys()};
    if (!item) {
        m_scene->noteUndoImpossible(change);
        setObsolete(true);
        return;
    }
    if (!target)
        return; // left out before: this step has no pose any more
    const Optiverse::UndoVerdict verdict = m_scene->reviewUndoChange(change, direction);
    const OpticalItem::Pose current = item->pose();
    if (verdict.skip || !verdict.skippedKeys.isEmpty()) {
        m_skipped = target;
        m_skippedInverse = &inverse;
        inverse.reset();
        m_scene->noteUndoSkipped(this, change);
        return;
    }
    inverse = current; // redo is built from the pose at the time of the undo
    m_scene->applyMove(m_uuid, *target, ChangeOrigin::Local);
    m_scene->noteUndoApplied(change);
}

void MoveItemCommand::applySkipped()
{
    const OpticalItem *item = m_scene->findItem(m_uuid);
    if (!m_skippedInverse || !m_skipped || !item)
        return;
    *m_skippedInverse = item->pose();
    m_scene->applyMove(m_uuid, *m_skipped, ChangeOrigin::Local);
    m_skipped.reset();
    m_skippedInverse = nullptr;
}
