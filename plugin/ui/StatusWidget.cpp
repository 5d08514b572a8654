// SPDX-License-Identifier: MIT
#include "StatusWidget.h"

#include "FollowController.h"
#include "Protocol.h"
#include "SyncManager.h"
#include "UserColor.h"

#include <QMenu>
#include <QPainter>
#include <QPixmap>
#include <QStyleOptionToolButton>
#include <QStylePainter>

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
    connect(client, &CollabClient::hostChanged, this, [this](const QString &id, const QString &name) {
        showNotice(id == m_client->userId() ? tr("You host the session now") : tr("%1 hosts the session now").arg(name));
    });
    connect(client, &CollabClient::ownerChanged, this, [this](const QString &id, const QString &name) {
        showNotice(id == m_client->userId() ? tr("You own the session now") : tr("%1 owns the session now").arg(name));
    });
    connect(this, &QToolButton::clicked, this, &StatusWidget::onClicked);
    refresh();
}

void StatusWidget::showNotice(const QString &text)
{
    m_notice = text;
    m_noticeTimer.start();
    refresh();
}

QString StatusWidget::otherSessionsList(const CollabClient *client, qsizetype count)
{
    QStringList parts;
    const QList<CollabClient::OtherSession> &others = client->otherSessions();
    for (const CollabClient::OtherSession &o : others.first(std::min(count, others.size())))
        parts.append(tr("%1 (%n user(s))", nullptr, o.users).arg(o.id));
    return parts.join(QLatin1String(", "));
}

QString StatusWidget::newSessionText(const CollabClient *client)
{
    // Alone in a session while others work in another one: probably the
    // wrong session (a URL shared without it, a mistyped name).
    if (client->state() != CollabClient::State::Connected || client->users().size() != 1
        || client->otherSessions().isEmpty())
        return {};
    return tr("Session '%1' is new on this server; it also has: %2")
        .arg(client->session(), otherSessionsList(client, Protocol::MaxOtherSessions));
}

void StatusWidget::refresh()
{
    QString text;
    const QString newSession = newSessionText(m_client);
    const int seconds = m_client->reconnectInSeconds();
    const bool storageFailing = m_sync && m_sync->isServerStorageFailing();
    switch (m_client->state()) {
    case CollabClient::State::Disconnected:
        text = m_client->lastError().isEmpty() ? tr("Not connected") : tr("Error: %1").arg(m_client->lastError());
        break;
    case CollabClient::State::Connecting:
        text = m_client->attempts() <= 1
            ? tr("Connecting...")
            : tr("Connecting... (attempt %1 of %2)").arg(m_client->attempts()).arg(CollabClient::MaxFirstAttempts);
        break;
    case CollabClient::State::Reconnecting:
        if (m_client->serverStopped())
            text = seconds > 0 ? tr("Server stopped — reconnecting in %n s…", nullptr, seconds)
                               : tr("Server stopped — reconnecting…");
        else
            text = seconds > 0 ? tr("Reconnecting in %n s…", nullptr, seconds) : tr("Reconnecting…");
        break;
    case CollabClient::State::Connected:
        // Edits that reach nobody outrank any passing notice.
        if (storageFailing)
            text = tr("Server cannot save changes — retrying…");
        else if (!m_notice.isEmpty())
            text = m_notice;
        else if (!newSession.isEmpty()) // short: the tooltip says it whole
            text = m_client->otherSessions().size() == 1
                ? tr("New session '%1'; others: %2").arg(m_client->session(), otherSessionsList(m_client, 1))
                : tr("New session '%1'; others: %2 +%3")
                      .arg(m_client->session(), otherSessionsList(m_client, 1),
                           QString::number(m_client->otherSessions().size() - 1));
        else
            text = tr("Connected (%n user(s))", nullptr, int(m_client->users().size()));
        break;
    }
    if (m_client->state() == CollabClient::State::Reconnecting)
        m_countdown.start();
    else
        m_countdown.stop();

    QString tip;
    const QString where = tr("Server: %1\nSession: %2").arg(m_client->serverUrl().toDisplayString(), m_client->session());
    switch (m_client->state()) {
    case CollabClient::State::Disconnected:
        tip = m_client->lastError().isEmpty()
            ? tr("Collaboration: not connected.\nUse Collaboration → Connect/Host Session…")
            : tr("%1\n%2\nUse Collaboration → Connect/Host Session… to try again.").arg(text, where);
        break;
    case CollabClient::State::Connecting:
        tip = m_client->lastError().isEmpty() ? where : tr("%1\nLast attempt: %2").arg(where, m_client->lastError());
        break;
    case CollabClient::State::Reconnecting:
        tip = tr("%1\nConnection lost: %2\nClick to reconnect now.")
                  .arg(where, m_client->lastError().isEmpty() ? tr("unknown cause") : m_client->lastError());
        break;
    case CollabClient::State::Connected: {
        if (storageFailing) {
            const QString cause = m_sync->serverStorageFailure();
            tip = tr("%1\nThe server could not store your last change (%2). Your changes stay on your canvas and "
                     "are sent again until it can; the others do not see them yet.")
                      .arg(where, cause.isEmpty() ? tr("no reason given") : cause);
            break;
        }
        QString host;
        for (const CollabClient::User &u : m_client->users())
            if (u.isHost)
                host = u.id == m_client->userId() ? tr("you") : u.displayName;
        tip = host.isEmpty() ? tr("%1\nClick to see who is here.").arg(where)
                             : tr("%1\nHost: %2\nClick to see who is here.").arg(where, host);
        if (!newSession.isEmpty())
            tip = tr("%1.\nCollaboration → Connect/Host Session… offers to join %2.\n%3")
                      .arg(newSession, m_client->otherSessions().constFirst().id, tip);
        break;
    }
    }
    setText(text);
    setToolTip(tip);
    // Screen readers and UI automation read the state, whole.
    setAccessibleName(text);
    setAccessibleDescription(tip);
    update();
}

QSize StatusWidget::sizeHint() const
{
    // The whole text, up to ~160 characters: an error sentence fits where
    // the status bar has the room; a narrower window squeezes it (down to
    // the minimum size hint) and elides the end (the tooltip has it all).
    QSize size = QToolButton::sizeHint();
    size.setWidth(std::min(size.width(), fontMetrics().averageCharWidth() * 160));
    return size;
}

QSize StatusWidget::minimumSizeHint() const
{
    QSize size = QToolButton::minimumSizeHint();
    size.setWidth(std::min(size.width(), fontMetrics().averageCharWidth() * 12));
    return size;
}

void StatusWidget::paintEvent(QPaintEvent *)
{
    QStylePainter painter(this);
    QStyleOptionToolButton option;
    initStyleOption(&option);
    // What the style adds around the text, from the unclipped size hint.
    const int padding = QToolButton::sizeHint().width() - fontMetrics().horizontalAdvance(text());
    const int available = width() - std::max(0, padding);
    if (fontMetrics().horizontalAdvance(option.text) > available)
        option.text = fontMetrics().elidedText(option.text, Qt::ElideRight, std::max(0, available));
    painter.drawComplexControl(QStyle::CC_ToolButton, option);
}

void StatusWidget::onClicked()
{
    if (m_client->state() == CollabClient::State::Reconnecting) {
        m_client->reconnectNow();
        return;
    }
    showUsers();
}

void StatusWidget::fillUsersMenu()
{
    m_usersMenu->clear();
    for (const CollabClient::User &user : m_client->users()) {
        QString label = user.displayName;
        if (user.id == m_client->userId())
            label = user.isOwner ? tr("%1 (you, owner)").arg(label) : tr("%1 (you)").arg(label);
        else if (user.isOwner)
            label = tr("%1 (owner)").arg(label);
        if (user.isHost)
            label = tr("%1 — host").arg(label);
        QAction *action = m_usersMenu->addAction(swatch(UserColor::forUser(user.id, user.colorIndex)), label);
        action->setData(user.id);
        if ((m_follow || m_client->serverKnowsOwners()) && user.id != m_client->userId()) {
            // The row opens what can be done with that user.
            auto *actions = new QMenu(m_usersMenu);
            const QString id = user.id;
            if (m_follow) {
                QAction *follow = m_follow->leader() == id
                    ? actions->addAction(tr("Stop following"), m_follow, &FollowController::stop)
                    : actions->addAction(tr("Follow"), m_follow, [this, id] { m_follow->follow(id); });
                follow->setObjectName(QStringLiteral("followAction"));
                QAction *jump = actions->addAction(tr("Jump to"), m_follow, [this, id] { m_follow->jumpTo(id); });
                jump->setObjectName(QStringLiteral("jumpToAction"));
                jump->setEnabled(m_follow->knowsViewOf(id));
            }
            if (m_client->serverKnowsOwners()) {
                // Shown to everyone, so that who may hand ownership over is no secret.
                QAction *makeOwner = actions->addAction(tr("Make owner"), m_client,
                                                        [this, id] { m_client->transferOwnership(id); });
                makeOwner->setObjectName(QStringLiteral("makeOwnerAction"));
                makeOwner->setEnabled(m_client->isOwner());
                makeOwner->setToolTip(m_client->isOwner() ? tr("Hand the session's ownership to %1").arg(user.displayName)
                                                          : tr("Only the session's owner may hand ownership over"));
            }
            action->setMenu(actions);
            continue;
        }
        // Informational rows, but enabled: disabled rows would grey the names out.
        connect(action, &QAction::triggered, m_usersMenu, &QMenu::close);
    }
}

void StatusWidget::setFollow(FollowController *follow)
{
    m_follow = follow;
}

void StatusWidget::setSync(SyncManager *sync)
{
    disconnect(m_syncConnection);
    m_sync = sync;
    if (m_sync)
        m_syncConnection = connect(m_sync, &SyncManager::serverStorageChanged, this, &StatusWidget::refresh);
    refresh();
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
