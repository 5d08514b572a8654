// SPDX-License-Identifier: MIT
#pragma once

#include "UndoableCommand.h"

#include <optiverse/sceneitem.h>

class HostScene;

/// Undoable local add. Holds the item by value and finds it by UUID at
/// undo/redo time, so a remote edit or removal in between never dangles.
/// Its undo (a removal) may be left out by a guard; the redo of that undo
/// then does nothing.
class AddItemCommand : public UndoableCommand
{
public:
    AddItemCommand(HostScene *scene, const Optiverse::SceneItem &item);
    void redo() override;
    void undo() override;
    void applySkipped() override;

private:
    HostScene *m_scene;
    Optiverse::SceneItem m_item;
    bool m_first = true;
    bool m_removed = false;     // the last undo removed the item
    bool m_skippedUndo = false; // a guard left the last undo out
};
