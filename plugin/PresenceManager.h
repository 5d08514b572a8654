// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/ipresenceobserver.h>

#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <optional>

namespace Optiverse {
class IPresenceHost;
}

namespace Optiverse::Collab {

class CollabClient;
class Message;

/**
 * Presence over the optional IPresenceHost: our pointer and selection go out
 * (at most ~30 times a second, best effort), other users' are drawn in their
 * colours and removed when they leave or go idle.
 */
class PresenceManager : public QObject, public Optiverse::IPresenceObserver
{
    Q_OBJECT
public:
    PresenceManager(Optiverse::IPresenceHost *host, CollabClient *client, QObject *parent = nullptr);
    ~PresenceManager() override;

    /// A remote pointer not updated for this long is hidden (default 10 s).
    void setIdleTimeout(int ms);

    void localPointerMoved(const QPointF &posMm) override;
    void localPointerLeft() override;
    void localSelectionChanged(const QList<QUuid> &uuids) override;

private:
    void scheduleSend();
    void send();
    void onMessage(const Message &message);
    void removeUser(const QString &userId);
    void dropDepartedUsers();
    void expireIdle();

    Optiverse::IPresenceHost *m_host;
    CollabClient *m_client;
    std::optional<QPointF> m_pointer;
    QStringList m_selection;
    QTimer m_sendTimer;
    QElapsedTimer m_lastSent;
    bool m_dirty = false;
    QHash<QString, qint64> m_lastSeen; // remote user -> ms timestamp of last pointer
    QSet<QString> m_shown;             // remote users with a pointer or outlines drawn
    QElapsedTimer m_clock;
    QTimer m_idleTimer;
    int m_idleMs = 10000;
};

} // namespace Optiverse::Collab
