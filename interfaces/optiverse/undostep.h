// SPDX-License-Identifier: MIT
#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <QUuid>

namespace Optiverse {

/// Whether the user asked to undo or to redo a step. @since IUndoHost 1.0 (contract 1.2)
enum class UndoDirection {
    Undo,
    Redo,
};

/**
 * One item's part of an undo or redo step, as the host is about to apply it
 * (or has applied it). Plain value type.
 *
 * @since IUndoHost 1.0 (contract 1.2)
 */
struct UndoChange
{
    enum class Kind {
        /// Sets or deletes @c keys of an existing item (a move writes the pose
        /// keys x_mm, y_mm, angle_deg).
        Edit,
        /// Creates the item again with its id (undo of a removal, redo of an add).
        Create,
        /// Removes the item (undo of an add, redo of a removal).
        Remove,
    };
    Kind kind = Kind::Edit;
    QUuid uuid;
    QString itemType;
    /// Edit: the keys the change writes or deletes. Create/Remove: empty.
    QStringList keys;
};

/**
 * What an IUndoGuard answers for one UndoChange. Plain value type.
 *
 * @since IUndoHost 1.0 (contract 1.2)
 */
struct UndoVerdict
{
    /// Leave the whole change out (for Create/Remove the only way to keep it out).
    bool skip = false;
    /// Edit: keys to leave as they are; the host applies the others.
    QStringList skippedKeys;
};

/**
 * What one undo or redo step did, told to every IUndoGuard after the step.
 * Plain value type.
 *
 * @since IUndoHost 1.0 (contract 1.2)
 */
struct UndoReport
{
    /// Names the step for IUndoHost::applySkipped(); unique per host run.
    quint64 stepId = 0;
    UndoDirection direction = UndoDirection::Undo;
    /// The host's name of the step, e.g. "Edit focal_length_mm".
    QString text;
    /// Changes (or, for Edit, the keys of them) the host applied.
    QList<UndoChange> applied;
    /// Changes (or keys) a guard left out; IUndoHost::applySkipped() applies them.
    QList<UndoChange> skipped;
    /// Changes that could not be applied at all: the item is gone (a remote
    /// user removed it) or its id is in use again. Never applied later.
    QList<UndoChange> impossible;
};

} // namespace Optiverse
