// SPDX-License-Identifier: MIT
#include "EditAwareness.h"

#include "CollaborationSession.h"
#include "CollaborativeUndo.h"
#include "EditLedger.h"
#include "NoticeWidget.h"
#include "OverwriteNotices.h"

#include <optiverse/ieditinghost.h>
#include <optiverse/iviewhost.h>

namespace Optiverse::Collab {

EditAwareness::EditAwareness(IScene *scene, IUndoHost *undoHost, CollaborationSession *session,
                             NoticeWidget *notices, QObject *parent)
    : QObject(parent)
    , m_notices(notices)
    , m_ledger(std::make_unique<EditLedger>(scene, session->sync()))
    , m_overwrites(std::make_unique<OverwriteNotices>(scene, m_ledger.get(), session->client()))
{
    if (undoHost) {
        m_undo = std::make_unique<CollaborativeUndo>(undoHost, m_ledger.get(), session->client());
        connect(m_undo.get(), &CollaborativeUndo::notice, this,
                [this](const QString &text, const QString &actionText, quint64 stepId) {
                    QList<NoticeWidget::Action> actions;
                    if (!actionText.isEmpty())
                        actions.append({actionText, [this, stepId] {
                                            QString error;
                                            if (!m_undo->applyAnyway(stepId, &error))
                                                m_notices->showNotice(error);
                                        }});
                    m_notices->showNotice(text, actions);
                });
    }
    connect(m_overwrites.get(), &OverwriteNotices::notice, this,
            [this](const QString &text, const QUuid &uuid, const QJsonObject &mine) {
                QList<NoticeWidget::Action> actions{{tr("Restore mine"), [this, uuid, mine] {
                                                         QString error;
                                                         if (!m_overwrites->restoreMine(uuid, mine, &error))
                                                             m_notices->showNotice(error);
                                                     }}};
                if (m_view)
                    actions.append({tr("Show"), [this, uuid] {
                                        if (!m_view->revealItem(uuid))
                                            m_notices->showNotice(tr("That item is no longer there."));
                                    }});
                m_notices->showNotice(text, actions);
            });
}

void EditAwareness::setEditingHost(IEditingHost *editing)
{
    if (!editing) {
        m_ledger->setStillOpen({});
        return;
    }
    m_ledger->setStillOpen([editing](const QUuid &uuid) { return editing->localEditing().contains(uuid); });
}

EditAwareness::~EditAwareness()
{
    // The notice's buttons call back into us: no notice may outlive us.
    m_notices->dismiss();
}

} // namespace Optiverse::Collab
