// SPDX-License-Identifier: MIT
#pragma once

#include "Command.h"

#include <optiverse/changeorigin.h>
#include <optiverse/sceneitem.h>

#include <QHash>
#include <QJsonObject>
#include <QSet>
#include <QTimer>
#include <QUuid>

#include <functional>

namespace Optiverse::Collab {

/**
 * Turns the host's reports of local changes into commands (SyncManager
 * forwards its ISceneObserver calls here; remote ones only reset state).
 *
 * - add and update carry the whole data (original peers expect it), a move
 *   the pose, a remove nothing; an update names its changed keys, and the
 *   keys ISceneKeys reported deleted just before it as removed_keys.
 * - Interactive drags are throttled per item: the first move goes at once,
 *   the rest at most once per interval, the final pose exactly when the
 *   drag ends; a pose the host reports again after the drag is not re-sent.
 *
 * GUI thread only.
 */
class LocalEditCapture
{
public:
    using Submit = std::function<void(Command)>;
    explicit LocalEditCapture(Submit submit);

    /// Minimum interval between two moves of one dragged item (default 33 ms, ~30 Hz).
    void setDragInterval(int ms) { m_dragTimer.setInterval(ms); }

    void itemAdded(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin);
    void itemMoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin);
    void itemUpdated(const Optiverse::SceneItem &item, const QStringList &changedKeys, Optiverse::ChangeOrigin origin);
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin);
    void itemDragStateChanged(const QUuid &uuid, bool dragging);
    void itemKeysRemoved(const Optiverse::SceneItem &item, const QStringList &removedKeys,
                         Optiverse::ChangeOrigin origin);

    /// The command announcing a local change of @p item (see above).
    static Command commandFor(Command::Action action, const Optiverse::SceneItem &item);
    static QString idOf(const QUuid &uuid) { return uuid.toString(QUuid::WithoutBraces); }

private:
    void flushDrags();

    Submit m_submit;
    // Keys a Local change deleted, reported just before its itemUpdated().
    QHash<QUuid, QStringList> m_removedKeys;
    QSet<QUuid> m_dragging;
    QHash<QUuid, Optiverse::SceneItem> m_dragLatest;
    // Pose last sent for a dragged item; forgotten when anything else moves it.
    QHash<QString, QJsonObject> m_lastSentPose;
    QTimer m_dragTimer;
};

} // namespace Optiverse::Collab
