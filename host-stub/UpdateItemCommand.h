// SPDX-License-Identifier: MIT
#pragma once

#include "UndoableCommand.h"

#include <optiverse/undostep.h>

#include <QJsonObject>
#include <QStringList>
#include <QUuid>

class HostScene;

/// Undoable local parameter change. Stores only the changed keys, so undo
/// restores those and leaves concurrent remote edits of other keys alone.
/// Each undo records the values it replaces for the next redo (and the
/// other way round); keys a guard left out are part of neither.
class UpdateItemCommand : public UndoableCommand
{
public:
    /// @p before: previous values of changed or removed keys that existed;
    /// @p absentBefore: changed keys that did not exist (undo removes them);
    /// @p after: the new values; @p removed: keys redo deletes.
    UpdateItemCommand(HostScene *scene, const QUuid &uuid, const QJsonObject &before,
                      const QStringList &absentBefore, const QJsonObject &after,
                      const QStringList &removed = {});
    void redo() override;
    void undo() override;
    void applySkipped() override;

private:
    struct Patch
    {
        QJsonObject set;
        QStringList remove;
        QStringList keys() const { return set.keys() + remove; }
        Patch only(const QStringList &keys) const;
    };
    /// Applies @p apply (what guards allow of it) and replaces @p inverse with
    /// the values it overwrote.
    void run(const Patch &apply, Patch &inverse, Optiverse::UndoDirection direction);
    /// The current values of @p keys as a patch that puts them back.
    Patch capture(const QStringList &keys) const;

    HostScene *m_scene;
    QUuid m_uuid;
    Patch m_undo;
    Patch m_redo;
    bool m_first = true; // the edit itself: not reviewed
    Patch m_skipped;           // left out of the last run
    Patch *m_skippedInverse = nullptr; // where its way back goes
};
