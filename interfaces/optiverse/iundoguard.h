// SPDX-License-Identifier: MIT
#pragma once

#include "undostep.h"

namespace Optiverse {

/**
 * Reviews the local user's undo and redo steps before the host applies them
 * (IUndoHost 1.0), e.g. so that Undo never overwrites a value another user
 * set after the change being undone.
 *
 * The host calls reviewUndoChange() for each item a step is about to change
 * (several for a step that changed several items), applies what no guard
 * left out, and then calls undoStepFinished() once with the outcome.
 * Hooks are called synchronously on the GUI thread; they must not change the
 * scene (queue the work instead).
 *
 * Ownership: owned by whoever registers it with IUndoHost::addUndoGuard();
 * unregister before destroying it.
 *
 * @since IUndoHost 1.0 (contract 1.2)
 */
class IUndoGuard
{
public:
    virtual ~IUndoGuard() = default;

    /// Which part of @p change must not be applied now (default-constructed: all of it may).
    virtual UndoVerdict reviewUndoChange(const UndoChange &change, UndoDirection direction) = 0;

    /// The step is done: what was applied, skipped and impossible.
    virtual void undoStepFinished(const UndoReport &report) = 0;
};

} // namespace Optiverse
