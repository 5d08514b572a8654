// SPDX-License-Identifier: MIT
#include "PresenceManager.h"

#include "CollabClient.h"
#include "Message.h"
#include "MessageFactory.h"
#include "UserColor.h"

#include <optiverse/ipresencehost.h>

#include <QJsonArray>

#include <algorithm>

namespace Optiverse::Collab {

namespace {
constexpr int SendIntervalMs = 33; // ~30 Hz
}

PresenceManager::PresenceManager(IPresenceHost *host, CollabClient *client, QObject *parent)
    : QObject(parent)
    , m_host(host)
    , m_client(client)
{
    m_clock.start();
    if (m_host)
        m_host->addPresenceObserver(this);
    m_sendTimer.setSingleShot(true);
    connect(&m_sendTimer, &QTimer::timeout, this, &PresenceManager::send);
    connect(&m_idleTimer, &QTimer::timeout, this, &PresenceManager::expireIdle);
    setIdleTimeout(m_idleMs);
    connect(client, &CollabClient::messageReceived, this, &PresenceManager::onMessage);
    connect(client, &CollabClient::userLeft, this, [this](const QString &id) { removeUser(id); });
    // Presence is not replayed by the server: tell a newcomer where we are now.
    connect(client, &CollabClient::userJoined, this, &PresenceManager::scheduleSend);
    // A resync can also drop users we never saw leave (e.g. after our own reconnect).
    connect(client, &CollabClient::usersChanged, this, &PresenceManager::dropDepartedUsers);
    connect(client, &CollabClient::stateChanged, this, [this](CollabClient::State state) {
        if (state != CollabClient::State::Connected) {
            if (m_host)
                m_host->clearAll();
            m_lastSeen.clear();
            m_shown.clear();
            emit remoteUsersCleared();
        } else {
            m_dirty = true; // tell the (re)joined session where we are
            scheduleSend();
        }
    });
}

PresenceManager::~PresenceManager()
{
    if (!m_host)
        return;
    m_host->removePresenceObserver(this);
    m_host->clearAll();
}

void PresenceManager::setIdleTimeout(int ms)
{
    m_idleMs = std::max(1, ms);
    // Check often enough that a pointer lingers at most ~25 % past the timeout.
    m_idleTimer.start(std::clamp(m_idleMs / 4, 20, 1000));
}

void PresenceManager::localPointerMoved(const QPointF &posMm)
{
    m_pointer = posMm;
    scheduleSend();
}

void PresenceManager::localPointerLeft()
{
    m_pointer.reset();
    scheduleSend();
}

void PresenceManager::localSelectionChanged(const QList<QUuid> &uuids)
{
    m_selection.clear();
    for (const QUuid &u : uuids)
        m_selection.append(u.toString(QUuid::WithoutBraces));
    scheduleSend();
}

void PresenceManager::setExtension(const QString &key, const QJsonValue &value)
{
    if (m_extensions.value(key) == value || (value.isNull() && !m_extensions.contains(key)))
        return;
    if (value.isNull() || value.isUndefined())
        m_extensions.remove(key);
    else
        m_extensions.insert(key, value);
    scheduleSend();
}

void PresenceManager::scheduleSend()
{
    m_dirty = true;
    if (m_sendTimer.isActive())
        return;
    const qint64 since = m_lastSent.isValid() ? m_lastSent.elapsed() : SendIntervalMs;
    m_sendTimer.start(int(std::max<qint64>(0, SendIntervalMs - since)));
}

void PresenceManager::send()
{
    // Only our server relays presence; original servers would broadcast an
    // unknown message type to everyone, so don't send it to them at all.
    if (!m_dirty || m_client->state() != CollabClient::State::Connected || !m_client->serverSequences())
        return;
    // A host without IPresenceHost says something only about extensions
    // (including that the last one ended).
    if (!m_host && m_extensions.isEmpty() && !m_sentExtensions)
        return;
    m_dirty = false;
    m_sentExtensions = !m_extensions.isEmpty();
    m_lastSent.start();
    m_client->send(MessageFactory::presence(m_client->userId(), m_pointer, m_selection, m_extensions));
}

void PresenceManager::onMessage(const Message &message)
{
    if (message.type() != Message::Type::Presence)
        return;
    const QString id = message.userId();
    if (id.isEmpty() || id == m_client->userId())
        return;
    m_shown.insert(id);
    emit remotePresence(id, message.json());
    if (!m_host)
        return;
    QString name = id;
    for (const CollabClient::User &u : m_client->users())
        if (u.id == id)
            name = u.displayName;
    const QColor color = UserColor::forUser(id, m_client->colorIndexOf(id));
    const QJsonValue pointer = message.json().value(QLatin1String("pointer"));
    if (pointer.isObject()) {
        const QJsonObject p = pointer.toObject();
        m_host->setRemotePointer(id, name, color,
                                 QPointF(p.value(QLatin1String("x_mm")).toDouble(), p.value(QLatin1String("y_mm")).toDouble()));
        m_lastSeen.insert(id, m_clock.elapsed());
    } else {
        m_host->removeRemotePointer(id);
        m_lastSeen.remove(id);
    }
    QList<QUuid> selection;
    for (const QJsonValue &v : message.json().value(QLatin1String("selection")).toArray())
        if (const QUuid u = QUuid::fromString(v.toString()); !u.isNull())
            selection.append(u);
    m_host->setRemoteSelection(id, color, selection);
}

void PresenceManager::removeUser(const QString &userId)
{
    if (m_host) {
        m_host->removeRemotePointer(userId);
        m_host->setRemoteSelection(userId, QColor(), {});
    }
    m_lastSeen.remove(userId);
    m_shown.remove(userId);
    emit remoteUserGone(userId);
}

void PresenceManager::dropDepartedUsers()
{
    QSet<QString> present;
    for (const CollabClient::User &u : m_client->users())
        present.insert(u.id);
    const QSet<QString> shown = m_shown;
    for (const QString &id : shown)
        if (!present.contains(id))
            removeUser(id);
}

void PresenceManager::expireIdle()
{
    const qint64 now = m_clock.elapsed();
    for (auto it = m_lastSeen.begin(); it != m_lastSeen.end();) {
        if (now - it.value() > m_idleMs) {
            if (m_host)
                m_host->removeRemotePointer(it.key());
            it = m_lastSeen.erase(it);
        } else {
            ++it;
        }
    }
}

} // namespace Optiverse::Collab
