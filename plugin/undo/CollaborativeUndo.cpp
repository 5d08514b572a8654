// SPDX-License-Identifier: MIT
#include "CollaborativeUndo.h"

#include "CollabClient.h"
#include "EditLedger.h"
#include "EditWords.h"

#include <optiverse/iundohost.h>

namespace Optiverse::Collab {

CollaborativeUndo::CollaborativeUndo(IUndoHost *host, EditLedger *ledger, CollabClient *client, QObject *parent)
    : QObject(parent)
    , m_host(host)
    , m_ledger(ledger)
    , m_client(client)
{
    m_host->addUndoGuard(this);
}

CollaborativeUndo::~CollaborativeUndo()
{
    m_host->removeUndoGuard(this);
}

UndoVerdict CollaborativeUndo::reviewUndoChange(const UndoChange &change, UndoDirection direction)
{
    Q_UNUSED(direction) // the same rule both ways: never over someone else's newer value
    UndoVerdict verdict;
    Reason reason{change, {}};
    reason.change.keys.clear();
    switch (change.kind) {
    case UndoChange::Kind::Edit:
        for (const QString &k : change.keys) {
            const EditLedger::Write w = m_ledger->lastWrite(change.uuid, k);
            if (!w.isRemote())
                continue;
            verdict.skippedKeys.append(k);
            reason.change.keys.append(k);
            if (!reason.userIds.contains(w.userId))
                reason.userIds.append(w.userId);
        }
        break;
    case UndoChange::Kind::Remove: {
        // Removing an item someone else edited since would take their work with it: ask first.
        const EditLedger::Write w = m_ledger->lastRemoteWrite(change.uuid);
        if (w.isRemote()) {
            verdict.skip = true;
            reason.userIds.append(w.userId);
        }
        break;
    }
    case UndoChange::Kind::Create:
        break; // re-creating takes nothing from anyone (the host refuses a taken id)
    }
    if (verdict.skip || !verdict.skippedKeys.isEmpty())
        m_reasons.append(reason);
    return verdict;
}

void CollaborativeUndo::undoStepFinished(const UndoReport &report)
{
    QString action;
    const QString text = describe(report, &action);
    m_reasons.clear();
    if (!text.isEmpty())
        emit notice(text, action, report.stepId);
}

bool CollaborativeUndo::applyAnyway(quint64 stepId, QString *errorString)
{
    return m_host->applySkipped(stepId, errorString);
}

QString CollaborativeUndo::displayName(const QString &userId) const
{
    for (const CollabClient::User &u : m_client->users())
        if (u.id == userId && !u.displayName.isEmpty())
            return u.displayName;
    return userId.isEmpty() ? tr("someone") : userId;
}

QString CollaborativeUndo::describe(const UndoReport &report, QString *actionText) const
{
    const bool undo = report.direction == UndoDirection::Undo;
    const bool nothing = report.applied.isEmpty();
    if (!report.skipped.isEmpty() && !m_reasons.isEmpty()) {
        const Reason &r = m_reasons.constFirst();
        QStringList who;
        for (const Reason &each : m_reasons)
            for (const QString &id : each.userIds)
                if (!who.contains(displayName(id)))
                    who.append(displayName(id));
        const QString names = EditWords::names(who);
        const QString item = EditWords::item(r.change.itemType);
        if (r.change.kind == UndoChange::Kind::Remove) {
            *actionText = tr("Remove anyway");
            return undo ? tr("Nothing undone: %1 edited %2 after you added it. Remove it anyway?").arg(names, item)
                        : tr("Nothing redone: %1 edited %2 after you removed it. Remove it anyway?").arg(names, item);
        }
        QStringList keys;
        for (const Reason &each : m_reasons)
            keys += each.change.keys;
        const QString what = EditWords::properties(keys);
        *actionText = undo ? tr("Undo anyway") : tr("Redo anyway");
        if (nothing)
            return undo ? tr("Nothing undone: %1 changed %2 after you.").arg(names, what)
                        : tr("Nothing redone: %1 changed %2 after you.").arg(names, what);
        return undo ? tr("Undone except %2: %1 changed it after you.").arg(names, what)
                    : tr("Redone except %2: %1 changed it after you.").arg(names, what);
    }
    if (!report.impossible.isEmpty() && nothing) {
        const UndoChange &c = report.impossible.constFirst();
        const QString by = m_ledger->removedBy(c.uuid);
        const QString item = EditWords::item(c.itemType);
        actionText->clear();
        if (c.kind == UndoChange::Kind::Create)
            return undo ? tr("Nothing undone: %1 is there again.").arg(EditWords::itemCapitalized(c.itemType))
                        : tr("Nothing redone: %1 is there again.").arg(EditWords::itemCapitalized(c.itemType));
        if (!by.isEmpty())
            return undo ? tr("Nothing undone: %1 removed %2.").arg(displayName(by), item)
                        : tr("Nothing redone: %1 removed %2.").arg(displayName(by), item);
        return undo ? tr("Nothing undone: %1 is no longer there.").arg(item)
                    : tr("Nothing redone: %1 is no longer there.").arg(item);
    }
    return {};
}

} // namespace Optiverse::Collab
