// SPDX-License-Identifier: MIT
#include "StatusWidget.h"

#include "UserColor.h"

#include <QMenu>
#include <QPainter>
#include <QPixmap>

namespace Optiverse::Collab {

namespace {
// A disc in the user's colour; the darker rim keeps light colours visible on
// light menus and the fill keeps dark ones visible on dark menus.
QIcon swatch(const QColor &color)
{
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter p(&pixmap);
    p.setRenderHint(QPainter::Antialiasing);
    p.setBrush(color);
    p.setPen(QPen(color.darker(150), 1));
    p.drawEllipse(QRectF(1.5, 1.5, 13, 13));
    return QIcon(pixmap);
}
} // namespace

StatusWidget::StatusWidget(CollabClient *client, QWidget *parent)
    : QToolButton(parent)
    , m_client(client)
    , m_usersMenu(new QMenu(this))
{
    m_usersMenu->setObjectName(QStringLiteral("CollaborationUsers"));
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
    connect(client, &CollabClient::usersChanged, this, [this] {
        refresh();
        if (m_usersMenu->isVisible())
            fillUsersMenu(); // keep an open list current
    });
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

void StatusWidget::fillUsersMenu()
{
    m_usersMenu->clear();
    for (const CollabClient::User &user : m_client->users()) {
        QString label = user.displayName;
        if (user.id == m_client->userId())
            label = tr("%1 (you)").arg(label);
        if (user.isHost)
            label = tr("%1 — host").arg(label);
        QAction *action = m_usersMenu->addAction(swatch(UserColor::forUser(user.id, user.colorIndex)), label);
        action->setData(user.id);
        // Informational rows, but enabled: disabled rows would grey the names out.
        connect(action, &QAction::triggered, m_usersMenu, &QMenu::close);
    }
}

void StatusWidget::showUsers()
{
    if (m_client->users().isEmpty())
        return;
    fillUsersMenu();
    // Above the button: the status bar sits at the bottom of the window.
    m_usersMenu->popup(mapToGlobal(QPoint(0, -m_usersMenu->sizeHint().height())));
}

} // namespace Optiverse::Collab
