// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/sceneitem.h>

#include <QUndoCommand>

class HostScene;

/// Undoable local removal; undo re-adds the item's last known state.
class RemoveItemCommand : public QUndoCommand
{
public:
    RemoveItemCommand(HostScene *scene, const Optiverse::SceneItem &item);
    void redo() override;
    void undo() override;

private:
    HostScene *m_scene;
    Optiverse::SceneItem m_item;
};
