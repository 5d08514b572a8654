// SPDX-License-Identifier: MIT
#pragma once

#include "UndoableCommand.h"

#include <optiverse/sceneitem.h>

class HostScene;

/// Undoable local removal; undo re-creates the item's last known state with
/// the same id. Its redo (a removal again) may be left out by a guard; the
/// undo of that redo then does nothing.
class RemoveItemCommand : public UndoableCommand
{
public:
    RemoveItemCommand(HostScene *scene, const Optiverse::SceneItem &item);
    void redo() override;
    void undo() override;
    void applySkipped() override;

private:
    HostScene *m_scene;
    Optiverse::SceneItem m_item;
    bool m_first = true;
    bool m_removed = false;     // the last redo removed the item
    bool m_skippedRedo = false; // a guard left the last redo out
};
