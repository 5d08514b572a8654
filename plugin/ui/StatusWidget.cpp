// SPDX-License-Identifier: MIT
#include "StatusWidget.h"

#include "UserColor.h"

#include <QMenu>
#include <QPainter>
#include <QPixmap>

namespace Optiverse::Collab {

namespace {
QIcon swatch(const QColor &color)
{
    QPixmap pixmap(12, 12);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(color);
    p.setPen(color.darker(140));
    p.drawEllipse(QRectF(1, 1, 10, 10));
    return QIcon(pixmap);
}
} // namespace

StatusWidget::StatusWidget(CollabClient *client, QWidget *parent)
    : QToolButton(parent)
    , m_client(client)
{
    setObjectName(QStringLiteral("CollaborationStatus"));
    setAutoRaise(true);
    setToolButtonStyle(Qt::ToolButtonTextOnly);
    setFocusPolicy(Qt::TabFocus);
    m_noticeTimer.setSingleShot(true);
    m_noticeTimer.setInterval(4000);
    connect(&m_noticeTimer, &QTimer::timeout, this, [this] {
        m_notice.clear();
        refresh();
    });
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &StatusWidget::refresh);
    connect(client, &CollabClient::stateChanged, this, &StatusWidget::refresh);
    connect(client, &CollabClient::usersChanged, this, &StatusWidget::refresh);
    connect(client, &CollabClient::errorOccurred, this, &StatusWidget::refresh);
    connect(client, &CollabClient::userJoined, this,
            [this](const QString &, const QString &name) { showNotice(tr("%1 joined").arg(name)); });
    connect(client, &CollabClient::userLeft, this,
            [this](const QString &, const QString &name) { showNotice(tr("%1 left").arg(name)); });
    connect(this, &QToolButton::clicked, this, &StatusWidget::showUsers);
    refresh();
}

void StatusWidget::showNotice(const QString &text)
{
    m_notice = text;
    m_noticeTimer.start();
    refresh();
}

void StatusWidget::refresh()
{
    QString text;
    switch (m_client->state()) {
    case CollabClient::State::Disconnected:
        text = m_client->lastError().isEmpty() ? tr("Not connected") : tr("Error: %1").arg(m_client->lastError());
        break;
    case CollabClient::State::Connecting:
        text = tr("Connecting...");
        break;
    case CollabClient::State::Reconnecting:
        text = tr("Reconnecting in %n s…", nullptr, m_client->reconnectInSeconds());
        break;
    case CollabClient::State::Connected:
        text = m_notice.isEmpty() ? tr("Connected (%n users)", nullptr, int(m_client->users().size())) : m_notice;
        break;
    }
    if (m_client->state() == CollabClient::State::Reconnecting)
        m_countdown.start();
    else
        m_countdown.stop();
    setText(text);
    if (m_client->state() == CollabClient::State::Disconnected)
        setToolTip(tr("Collaboration: not connected.\nUse Collaboration → Connect/Host Session…"));
    else
        setToolTip(tr("Server: %1\nSession: %2\nClick to see who is here.")
                       .arg(m_client->serverUrl().toDisplayString(), m_client->session()));
}

void StatusWidget::showUsers()
{
    if (m_client->users().isEmpty())
        return;
    QMenu menu(this);
    menu.setObjectName(QStringLiteral("CollaborationUsers"));
    for (const CollabClient::User &user : m_client->users()) {
        QString label = user.displayName;
        if (user.id == m_client->userId())
            label = tr("%1 (you)").arg(label);
        if (user.isHost)
            label = tr("%1 — host").arg(label);
        QAction *action = menu.addAction(swatch(UserColor::forUser(user.id)), label);
        action->setEnabled(false);
    }
    menu.exec(mapToGlobal(QPoint(0, -menu.sizeHint().height())));
}

} // namespace Optiverse::Collab
