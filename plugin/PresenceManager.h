// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/ipresenceobserver.h>

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
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
 * The presence channel. Over the optional IPresenceHost (may be null): our
 * pointer and selection go out, other users' are drawn in their colours and
 * removed when they leave or go idle. Awareness extensions ride along in the
 * same message (what we edit, our visible area, whom we follow): set by their
 * owners here, and every other user's whole presence is re-emitted as
 * remotePresence(). At most ~30 messages a second, best effort.
 */
class PresenceManager : public QObject, public Optiverse::IPresenceObserver
{
    Q_OBJECT
public:
    /// @p host may be null (no pointers drawn, none reported).
    PresenceManager(Optiverse::IPresenceHost *host, CollabClient *client, QObject *parent = nullptr);
    ~PresenceManager() override;

    /// A remote pointer not updated for this long is hidden (default 10 s).
    void setIdleTimeout(int ms);

    void localPointerMoved(const QPointF &posMm) override;
    void localPointerLeft() override;
    void localSelectionChanged(const QList<QUuid> &uuids) override;

    /// Sets awareness field @p key (e.g. "editing", "view", "following") of
    /// what we send; a null value removes it. Sent with the next presence.
    void setExtension(const QString &key, const QJsonValue &value);

signals:
    /// @p userId's presence as received (already validated).
    void remotePresence(const QString &userId, const QJsonObject &presence);
    /// @p userId left the session (or we did): forget what they showed.
    void remoteUserGone(const QString &userId);
    /// We left the session: forget every remote user.
    void remoteUsersCleared();

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
    QJsonObject m_extensions;
    bool m_sentExtensions = false; // the last message sent carried some
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
