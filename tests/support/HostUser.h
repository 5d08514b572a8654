// SPDX-License-Identifier: MIT
#pragma once

#include "CollaborationSession.h"
#include "HostMainWindow.h"
#include "HostScene.h"
#include "ServerProcess.h"

#include <optiverse/sceneitem.h>

#include <QJsonObject>
#include <QMap>
#include <QUrl>
#include <QUuid>
#include <memory>

/**
 * One user of a session in a test: a real host-stub window (HostMainWindow,
 * HostScene) and the plugin's CollaborationSession on its scene. Suites derive
 * from it to wire the further parts they test, as CollaborationPlugin wires
 * them, in beforeJoin(), and tear those down in their own destructor (which
 * runs before this one's).
 */
class HostUser
{
public:
    HostUser();
    virtual ~HostUser();
    HostUser(const HostUser &) = delete;
    HostUser &operator=(const HostUser &) = delete;

    /// Joins session @p sessionId at @p url as @p who (the session's scene
    /// replaces the canvas); false when not synchronized within 10 s.
    bool join(const QUrl &url, const QString &who, const QString &sessionId = QStringLiteral("lab"));

    HostScene *scene() const { return window->hostScene(); }
    bool has(const QUuid &uuid) const { return !scene()->item(uuid).uuid.isNull(); }
    /// A number property of an item (-1 when it or the key is missing).
    double number(const QUuid &uuid, const QString &key) const;
    /// Its lens focal length (focal_length_mm; -1 when missing).
    double focal(const QUuid &uuid) const { return number(uuid, QStringLiteral("focal_length_mm")); }
    /// Every item's data by UUID (comparable between users).
    QMap<QUuid, QJsonObject> items() const;

    std::unique_ptr<HostMainWindow> window = std::make_unique<HostMainWindow>();
    std::unique_ptr<Optiverse::Collab::CollaborationSession> session;

protected:
    /// Called with the session created, before it joins: false aborts the join.
    virtual bool beforeJoin() { return true; }
};

/// A new item (fresh UUID) of @p type at (@p x, 0) mm, angle 0, with @p extra
/// properties: what the two-window suites add and edit.
Optiverse::SceneItem sceneItem(const QString &type, double x, const QJsonObject &extra = {});

/// Starts @p server and joins @p alice and @p bob to it as "alice" and "bob";
/// false at the first step that fails.
bool startSessionOfTwo(ServerProcess &server, HostUser &alice, HostUser &bob);
