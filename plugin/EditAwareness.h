// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>
#include <memory>

namespace Optiverse {
class IEditingHost;
class IScene;
class IUndoHost;
class IViewHost;
}

namespace Optiverse::Collab {

class CollaborationSession;
class CollaborativeUndo;
class EditLedger;
class NoticeWidget;
class OverwriteNotices;

/**
 * What the user learns about other people's edits of the same things, and
 * the Undo that respects them: the ledger of who wrote what, collaborative
 * undo (when the host offers IUndoHost) and overwrite notices, all shown in
 * one NoticeWidget with their choices (Undo anyway, Remove anyway, Restore mine).
 */
class EditAwareness : public QObject
{
    Q_OBJECT
public:
    /// @p undoHost may be null (a host without IUndoHost keeps its own undo).
    /// Nothing is owned but what this creates; all must outlive it.
    EditAwareness(Optiverse::IScene *scene, Optiverse::IUndoHost *undoHost, CollaborationSession *session,
                  NoticeWidget *notices, QObject *parent = nullptr);
    ~EditAwareness() override;

    /// With a host view (IViewHost, may be null), overwrite notices offer
    /// Show: the item selected and centred. Must outlive this.
    void setViewHost(Optiverse::IViewHost *view) { m_view = view; }
    /// With the host's IEditingHost (may be null), a value of an item the
    /// local user still has open in the properties dialog is reported as
    /// overwritten however long ago they wrote it. Must outlive this.
    void setEditingHost(Optiverse::IEditingHost *editing);

    EditLedger *ledger() const { return m_ledger.get(); }
    CollaborativeUndo *undo() const { return m_undo.get(); }

private:
    NoticeWidget *m_notices;
    Optiverse::IViewHost *m_view = nullptr;
    std::unique_ptr<EditLedger> m_ledger;
    std::unique_ptr<CollaborativeUndo> m_undo;
    std::unique_ptr<OverwriteNotices> m_overwrites;
};

} // namespace Optiverse::Collab
