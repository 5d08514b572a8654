// SPDX-License-Identifier: MIT
#pragma once

#include "CollabClient.h"
#include "EnglishPlurals.h"

#include <QTimer>
#include <QToolButton>

class QMenu;

namespace Optiverse::Collab {

class FollowController;
class SyncManager;

/**
 * The status-bar indicator (bottom-right): "Not connected", "Connecting...",
 * "Connected (N users)", "New session 'x'; others: lab (2 users)" while alone
 * in a session and the server's other sessions have members, notices such as
 * "<name> joined" / "<name> left" for a few seconds,
 * "Server cannot save changes — retrying…" while the server refuses to store
 * our edits, "Reconnecting in N s…", "Server stopped — reconnecting in N s…"
 * and "Error: <reason>". Its tooltip names the server, session and host, and the
 * cause of a lost connection; clicking it lists the users in their colours,
 * or reconnects at once while reconnecting. A long text is elided in the
 * middle (text() and the accessible name keep it whole; the accessible
 * description is the tooltip), so screen readers read the state.
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
    /// With a host view (IViewHost): each other user's row offers Follow /
    /// Stop following and Jump to. Not owned; null: names only.
    void setFollow(FollowController *follow);
    /// The session's sync (not owned; null: none): while the server cannot
    /// store our edits, that is the state shown, with its cause in the tooltip.
    void setSync(SyncManager *sync);

    /// "Session 'x' is new on this server; it also has: lab (2 users)" while
    /// @p client is alone in a session and the server named others with
    /// members (CollabClient::otherSessions()); empty otherwise.
    static QString newSessionText(const CollabClient *client);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    void refresh();
    /// The first @p count of @p client's other sessions: "lab (2 users), …".
    static QString otherSessionsList(const CollabClient *client, qsizetype count);
    void showUsers();
    void fillUsersMenu();
    void onClicked();

    EnglishPlurals::Handle m_plurals;
    CollabClient *m_client;
    QTimer m_noticeTimer;
    QTimer m_countdown;
    QString m_notice;
    QMenu *m_usersMenu;
    FollowController *m_follow = nullptr;
    SyncManager *m_sync = nullptr;
    QMetaObject::Connection m_syncConnection;
};

} // namespace Optiverse::Collab
