// SPDX-License-Identifier: MIT
#pragma once

#include <QString>
#include <QtGlobal>

/// Separately versioned optional interface, obtained with
/// Optiverse::queryInterface<Optiverse::IUndoHost>(host).
#define OPTIVERSE_IUNDOHOST_IID "org.optiverse.IUndoHost/1.0"

namespace Optiverse {

class IUndoGuard;

/**
 * Optional: lets a plugin take part in the host's undo and redo of the
 * local user's edits (the undo stack stays the host's).
 *
 * A collaboration plugin uses it so that Undo acts on the user's own
 * changes only and never silently destroys a newer change by someone else:
 * its IUndoGuard leaves out what another user changed since, and the user
 * may then apply it anyway (applySkipped()).
 *
 * Rules a host offering it follows, in addition to IScene's undo contract:
 * - Before applying an undo or redo step, the host asks every guard about
 *   each item the step changes (IUndoGuard::reviewUndoChange()) and applies
 *   only what no guard left out. A step is consumed even if nothing of it
 *   was applied (the next Undo goes on to the step before it).
 * - Redo is built from the values at the time of the undo: undo records the
 *   values it replaces and redo puts back exactly those (and the other way
 *   round), so undoing n steps and redoing n steps returns to the same
 *   scene. Keys left out are part of neither.
 * - Undoing a removal re-creates the item with the same id (impossible if
 *   the id is in use again).
 * - After the step the host calls IUndoGuard::undoStepFinished() on every
 *   guard, with a step id; what was applied is reported to scene observers
 *   as ChangeOrigin::Local, as any undo.
 * - The very first execution of an edit (when it is made) is not reviewed.
 *
 * Hosts without it keep their undo as in contract 1.0; plugins must work
 * without it (IHost::queryInterface() returns nullptr).
 *
 * Threading: GUI thread only. Owned by the host; valid from
 * IPlugin::initialize() until IPlugin::shutdown() returns.
 *
 * @since IUndoHost 1.0 (contract 1.2)
 */
class IUndoHost
{
public:
    static constexpr const char *IID = OPTIVERSE_IUNDOHOST_IID;

    virtual ~IUndoHost() = default;

    /// Registers @p guard (not owned). Registering twice has no effect.
    virtual void addUndoGuard(IUndoGuard *guard) = 0;

    /// Unregisters @p guard. Safe to call from inside a hook.
    virtual void removeUndoGuard(IUndoGuard *guard) = 0;

    /**
     * "Undo anyway": applies what guards left out of step @p stepId, without
     * asking them, and adds it to the step (so its redo or undo puts it back).
     * Possible only while that step is the last thing done to the undo stack
     * (no edit, undo or redo since); otherwise returns false, changes nothing
     * and sets @p errorString (if not null) to a sentence a user can read.
     */
    virtual bool applySkipped(quint64 stepId, QString *errorString) = 0;
};

} // namespace Optiverse
