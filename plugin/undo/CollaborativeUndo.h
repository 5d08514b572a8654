// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/iundoguard.h>

#include <QObject>

namespace Optiverse {
class IUndoHost;
}

namespace Optiverse::Collab {

class CollabClient;
class EditLedger;

/**
 * Undo that never silently destroys a newer change by someone else, over the
 * host's optional IUndoHost: the local user's undo and redo leave out every
 * property another user wrote after the user's own last write of it, and an
 * undo of an add (or redo of a removal) of an item someone else edited
 * since. What was left out is said in words (notice()), with the choice to
 * apply it anyway (applyAnyway()).
 */
class CollaborativeUndo : public QObject, public Optiverse::IUndoGuard
{
    Q_OBJECT
public:
    CollaborativeUndo(Optiverse::IUndoHost *host, EditLedger *ledger, CollabClient *client, QObject *parent = nullptr);
    ~CollaborativeUndo() override;

    Optiverse::UndoVerdict reviewUndoChange(const Optiverse::UndoChange &change,
                                            Optiverse::UndoDirection direction) override;
    void undoStepFinished(const Optiverse::UndoReport &report) override;

    /// "Undo anyway" / "Redo anyway" for the step a notice was about.
    bool applyAnyway(quint64 stepId, QString *errorString = nullptr);

signals:
    /// Something was left out of (or impossible in) step @p stepId: @p text
    /// says what and why; @p actionText (empty: no choice) applies it anyway.
    void notice(const QString &text, const QString &actionText, quint64 stepId);

private:
    struct Reason
    {
        Optiverse::UndoChange change; ///< what was left out (keys: those left out)
        QStringList userIds;          ///< who changed it since
    };
    QString displayName(const QString &userId) const;
    QString describe(const Optiverse::UndoReport &report, QString *actionText) const;

    Optiverse::IUndoHost *m_host;
    EditLedger *m_ledger;
    CollabClient *m_client;
    QList<Reason> m_reasons; // of the step under review
};

} // namespace Optiverse::Collab
