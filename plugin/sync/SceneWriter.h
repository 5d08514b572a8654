// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"
#include "StateItem.h"

#include <optiverse/sceneitem.h>

#include <QHash>
#include <QObject>
#include <QSet>

#include <functional>

namespace Optiverse {
class IScene;
class ISceneKeys;
}

namespace Optiverse::Collab {

/**
 * Writes the session into the host's scene, always with ChangeOrigin::Remote
 * (how local edits are told apart and never sent back).
 *
 * - show() makes one item what the session holds, except what local edits in
 *   flight still decide (SyncManager's reconciliation rule).
 * - apply() applies a command as it comes (original servers, no shadow).
 * - restoring() is the reverse: the scene's item as commands.
 * - Keys the session deleted go through ISceneKeys, or, on a 1.0 host, by
 *   re-creating the item without them.
 * - An item the host refuses to add stays in the session: itemRefused() says
 *   so once, in words, and later events for it are not attempted again.
 *
 * The scene and ISceneKeys are the host's (not owned). GUI thread only.
 */
class SceneWriter : public QObject
{
    Q_OBJECT
public:
    /// The name to show for a user id ("" when unknown).
    using NameOf = std::function<QString(const QString &userId)>;
    SceneWriter(Optiverse::IScene *scene, NameOf nameOf, QObject *parent = nullptr);

    void setSceneKeys(Optiverse::ISceneKeys *keys) { m_sceneKeys = keys; }

    /**
     * Shows @p server (null: the session lacks the item) for @p itemId,
     * except where local edits are pending: keys in @p pendingKeys keep the
     * local value, and with @p presencePending the local existence stands.
     * @p byUserId (the sender of the command being applied) names who added
     * an item the host refuses.
     */
    void show(const QString &itemId, const StateItem *server, const QHash<QString, int> &pendingKeys,
              bool presencePending, const QString &byUserId = {});
    /// Applies @p command as it comes; false when it could not be (or was refused).
    bool apply(const Command &command, const QString &byUserId);
    /// The reverse of show(): the commands that make the session (holding
    /// @p server, null: not holding it) show @p itemId as the scene does, none
    /// when they agree. @p forOriginal: as original peers need them (a remove
    /// before a re-add, no removed keys).
    QList<Command> restoring(const QString &itemId, const StateItem *server, bool forOriginal) const;
    /// The host refused to show this session item (skipped until it leaves the session).
    bool isRefused(const QString &itemId) const { return m_refused.contains(itemId); }

signals:
    /// A session item the host refused to add (once per item), in words.
    void itemRefused(const QString &text);

private:
    bool removeKeys(const QUuid &uuid, const QStringList &keys);
    bool add(const Optiverse::SceneItem &item, const QString &byUserId);
    /// Moves to the pose keys of @p pose, the others as in @p current.
    bool moveTo(const QUuid &uuid, const QJsonObject &pose, const QJsonObject &current, QString *error);

    Optiverse::IScene *m_scene;
    Optiverse::ISceneKeys *m_sceneKeys = nullptr;
    NameOf m_nameOf;
    QSet<QString> m_refused;
};

} // namespace Optiverse::Collab
