// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/sceneitem.h>

#include <QUndoCommand>

class HostScene;

/// Undoable local add. Holds the item by value and finds it by UUID at
/// undo/redo time, so a remote edit or removal in between never dangles.
class AddItemCommand : public QUndoCommand
{
public:
    AddItemCommand(HostScene *scene, const Optiverse::SceneItem &item);
    void redo() override;
    void undo() override;

private:
    HostScene *m_scene;
    Optiverse::SceneItem m_item;
};
