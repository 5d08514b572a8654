// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QStringList>
#include <QUndoCommand>
#include <QUuid>

class HostScene;

/// Undoable local parameter change. Stores only the changed keys, so undo
/// restores those and leaves concurrent remote edits of other keys alone.
class UpdateItemCommand : public QUndoCommand
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

private:
    HostScene *m_scene;
    QUuid m_uuid;
    QJsonObject m_before;
    QStringList m_absentBefore;
    QJsonObject m_after;
    QStringList m_removed;
};
