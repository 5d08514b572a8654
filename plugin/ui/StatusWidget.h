// SPDX-License-Identifier: MIT
#pragma once

#include "CollabClient.h"

#include <QTimer>
#include <QToolButton>

namespace Optiverse::Collab {

/**
 * The status-bar indicator (bottom-right): "Not connected", "Connecting...",
 * "Connected (N users)", "<name> joined" / "<name> left" for a few seconds,
 * "Reconnecting in N s…" and "Error: <reason>". Its tooltip names the server
 * and session; clicking it lists the users in their colours.
 */
class StatusWidget : public QToolButton
{
    Q_OBJECT
public:
    explicit StatusWidget(CollabClient *client, QWidget *parent = nullptr);

    /// How long a joined/left notice stays (default 4 s).
    void setNoticeDuration(int ms) { m_noticeTimer.setInterval(ms); }

private:
    void refresh();
    void showNotice(const QString &text);
    void showUsers();

    CollabClient *m_client;
    QTimer m_noticeTimer;
    QTimer m_countdown;
    QString m_notice;
};

} // namespace Optiverse::Collab
