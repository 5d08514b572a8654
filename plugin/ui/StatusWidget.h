// SPDX-License-Identifier: MIT
#pragma once

#include "CollabClient.h"

#include <QTimer>
#include <QToolButton>

class QMenu;

namespace Optiverse::Collab {

/**
 * The status-bar indicator (bottom-right): "Not connected", "Connecting...",
 * "Connected (N users)", notices such as "<name> joined" / "<name> left" for a few seconds,
 * "Reconnecting in N s…" and "Error: <reason>". Its tooltip names the server
 * and session; clicking it lists the users in their colours.
 */
class StatusWidget : public QToolButton
{
    Q_OBJECT
public:
    explicit StatusWidget(CollabClient *client, QWidget *parent = nullptr);

    /// How long a notice stays (default 4 s).
    void setNoticeDuration(int ms) { m_noticeTimer.setInterval(ms); }
    /// Shows @p text instead of "Connected (N users)" for the notice
    /// duration (joins and leaves, an edit that could not be shared).
    void showNotice(const QString &text);
    /// The list of users shown on click (a popup, so the GUI never blocks).
    QMenu *usersMenu() const { return m_usersMenu; }

private:
    void refresh();
    void showUsers();
    void fillUsersMenu();

    CollabClient *m_client;
    QTimer m_noticeTimer;
    QTimer m_countdown;
    QString m_notice;
    QMenu *m_usersMenu;
};

} // namespace Optiverse::Collab
