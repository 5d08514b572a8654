// SPDX-License-Identifier: MIT
#include "EditingPresence.h"

#include "CollabClient.h"
#include "PresenceManager.h"
#include "UserColor.h"

#include <optiverse/iscene.h>

#include <QJsonArray>

namespace Optiverse::Collab {

EditingPresence::EditingPresence(IScene *scene, IEditingHost *editingHost, PresenceManager *presence,
                                 CollabClient *client, QObject *parent)
    : QObject(parent)
    , m_scene(scene)
    , m_host(editingHost)
    , m_presence(presence)
    , m_client(client)
{
    m_scene->addObserver(this);
    if (m_host) {
        m_host->addEditingObserver(this);
        m_open = m_host->localEditing();
        connect(presence, &PresenceManager::remotePresence, this, &EditingPresence::onRemotePresence);
        connect(presence, &PresenceManager::remoteUserGone, this,
                [this](const QString &id) { m_host->setRemoteEditing(id, id, QColor(), {}); });
        connect(presence, &PresenceManager::remoteUsersCleared, this, [this] { m_host->clearRemoteEditing(); });
    }
    announce();
}

EditingPresence::~EditingPresence()
{
    m_scene->removeObserver(this);
    if (m_host) {
        m_host->removeEditingObserver(this);
        m_host->clearRemoteEditing();
    }
}

QStringList EditingPresence::localEditing() const
{
    QStringList ids;
    for (const QList<QUuid> *list : {&m_dragging, &m_open})
        for (const QUuid &u : *list)
            if (const QString id = u.toString(QUuid::WithoutBraces); !ids.contains(id))
                ids.append(id);
    return ids;
}

void EditingPresence::itemDragStateChanged(const QUuid &uuid, bool dragging)
{
    if (dragging && !m_dragging.contains(uuid))
        m_dragging.append(uuid);
    else if (!dragging)
        m_dragging.removeAll(uuid);
    announce();
}

void EditingPresence::itemRemoved(const SceneItem &item, ChangeOrigin)
{
    // A removed item is edited by nobody (hosts end its drag, but be sure).
    if (m_dragging.removeAll(item.uuid) + m_open.removeAll(item.uuid) > 0)
        announce();
}

void EditingPresence::localEditingChanged(const QList<QUuid> &uuids)
{
    m_open = uuids;
    announce();
}

void EditingPresence::announce()
{
    const QStringList ids = localEditing();
    m_presence->setExtension(QStringLiteral("editing"), ids.isEmpty() ? QJsonValue() : QJsonArray::fromStringList(ids));
}

void EditingPresence::onRemotePresence(const QString &userId, const QJsonObject &presence)
{
    QList<QUuid> uuids;
    for (const QJsonValue &v : presence.value(QLatin1String("editing")).toArray())
        if (const QUuid u = QUuid::fromString(v.toString()); !u.isNull() && !uuids.contains(u))
            uuids.append(u);
    QString name = userId;
    for (const CollabClient::User &u : m_client->users())
        if (u.id == userId)
            name = u.displayName;
    m_host->setRemoteEditing(userId, name, UserColor::forUser(userId, m_client->colorIndexOf(userId)), uuids);
}

} // namespace Optiverse::Collab
