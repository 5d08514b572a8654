// SPDX-License-Identifier: MIT
#include "FollowController.h"

#include "CollabClient.h"
#include "PresenceManager.h"
#include "UserColor.h"

#include <optiverse/iscene.h>

#include <QEasingCurve>
#include <QJsonObject>
#include <QShortcut>
#include <QWidget>

namespace Optiverse::Collab {

namespace {
QJsonObject areaJson(const QRectF &r)
{
    return {{QLatin1String("x_mm"), r.x()},
            {QLatin1String("y_mm"), r.y()},
            {QLatin1String("w_mm"), r.width()},
            {QLatin1String("h_mm"), r.height()}};
}
} // namespace

FollowController::FollowController(IViewHost *view, IScene *scene, PresenceManager *presence, CollabClient *client,
                                   QWidget *window, QObject *parent)
    : QObject(parent)
    , m_view(view)
    , m_scene(scene)
    , m_presence(presence)
    , m_client(client)
    , m_escape(new QShortcut(QKeySequence(Qt::Key_Escape), window))
{
    m_escape->setContext(Qt::WindowShortcut);
    m_escape->setEnabled(false);
    connect(m_escape, &QShortcut::activated, this, &FollowController::stop);
    m_ease.setDuration(250);
    m_ease.setEasingCurve(QEasingCurve::OutCubic);
    connect(&m_ease, &QVariantAnimation::valueChanged, this, [this](const QVariant &value) {
        m_easing = true;
        m_view->setVisibleArea(value.toRectF());
        m_easing = false;
    });
    m_view->addViewObserver(this);
    m_scene->addObserver(this);
    connect(presence, &PresenceManager::remotePresence, this, &FollowController::onRemotePresence);
    connect(presence, &PresenceManager::remoteUserGone, this, &FollowController::forget);
    connect(presence, &PresenceManager::remoteUsersCleared, this, [this] {
        end(m_leader.isEmpty() ? QString() : tr("You left the session: no longer following %1.").arg(nameOf(m_leader)));
        m_views.clear();
        m_following.clear();
    });
    m_presence->setExtension(QStringLiteral("view"), areaJson(m_view->visibleArea()));
}

FollowController::~FollowController()
{
    m_ease.stop();
    m_scene->removeObserver(this);
    m_view->removeViewObserver(this);
    m_view->setViewIndicator(QString(), QColor());
    delete m_escape; // a child of the host's window: not ours to leave behind
}

bool FollowController::follow(const QString &userId)
{
    if (userId.isEmpty() || userId == m_client->userId())
        return false;
    if (m_leader == userId)
        return true;
    m_leader = userId;
    m_escape->setEnabled(true);
    m_view->setViewIndicator(tr("Following %1 — Esc").arg(nameOf(userId)),
                             UserColor::forUser(userId, m_client->colorIndexOf(userId)));
    m_presence->setExtension(QStringLiteral("following"), userId);
    if (m_views.contains(userId))
        moveTo(m_views.value(userId));
    emit leaderChanged(m_leader);
    return true;
}

bool FollowController::jumpTo(const QString &userId)
{
    if (!m_views.contains(userId))
        return false;
    if (!m_leader.isEmpty() && m_leader != userId)
        end(QString());
    moveTo(m_views.value(userId));
    return true;
}

void FollowController::stop()
{
    end(QString());
}

void FollowController::end(const QString &why)
{
    if (m_leader.isEmpty())
        return;
    m_leader.clear();
    m_ease.stop();
    m_escape->setEnabled(false);
    m_view->setViewIndicator(QString(), QColor());
    m_presence->setExtension(QStringLiteral("following"), QJsonValue());
    if (!why.isEmpty())
        emit notice(why);
    emit leaderChanged(QString());
}

void FollowController::moveTo(const QRectF &area)
{
    m_ease.stop();
    m_ease.setStartValue(m_view->visibleArea());
    m_ease.setEndValue(area);
    m_ease.start();
}

void FollowController::visibleAreaChanged(const QRectF &areaMm, bool byUser)
{
    m_presence->setExtension(QStringLiteral("view"), areaJson(areaMm));
    if (byUser && !m_easing) {
        m_ease.stop(); // also ends a Jump to in progress
        end(QString());
    }
}

void FollowController::localEdit(ChangeOrigin origin)
{
    if (origin == ChangeOrigin::Local)
        end(QString());
}

void FollowController::itemAdded(const SceneItem &, ChangeOrigin origin) { localEdit(origin); }
void FollowController::itemMoved(const SceneItem &, ChangeOrigin origin) { localEdit(origin); }
void FollowController::itemUpdated(const SceneItem &, const QStringList &, ChangeOrigin origin) { localEdit(origin); }
void FollowController::itemRemoved(const SceneItem &, ChangeOrigin origin) { localEdit(origin); }

void FollowController::itemDragStateChanged(const QUuid &, bool dragging)
{
    if (dragging)
        end(QString());
}

void FollowController::onRemotePresence(const QString &userId, const QJsonObject &presence)
{
    const QJsonObject v = presence.value(QLatin1String("view")).toObject();
    if (!v.isEmpty()) {
        const QRectF area(v.value(QLatin1String("x_mm")).toDouble(), v.value(QLatin1String("y_mm")).toDouble(),
                          v.value(QLatin1String("w_mm")).toDouble(), v.value(QLatin1String("h_mm")).toDouble());
        const bool changed = m_views.value(userId) != area;
        m_views.insert(userId, area);
        if (changed && userId == m_leader)
            moveTo(area);
    }
    const QString before = m_following.value(userId);
    const QString now = presence.value(QLatin1String("following")).toString();
    if (now.isEmpty())
        m_following.remove(userId);
    else
        m_following.insert(userId, now);
    // The newer follow wins: someone just started following us and that
    // closes a loop through our own follow, so ours ends.
    if (!m_leader.isEmpty() && now == m_client->userId() && before != now && chainReachesUs(m_leader))
        end(tr("%1 follows you now: you stopped following %2.").arg(nameOf(userId), nameOf(m_leader)));
}

bool FollowController::chainReachesUs(const QString &from) const
{
    QString at = from;
    for (int steps = 0; !at.isEmpty() && steps <= m_following.size(); ++steps) {
        if (at == m_client->userId())
            return true;
        at = m_following.value(at);
    }
    return false;
}

void FollowController::forget(const QString &userId)
{
    if (userId == m_leader)
        end(tr("%1 left: no longer following.").arg(nameOf(userId)));
    m_views.remove(userId);
    m_following.remove(userId);
}

QString FollowController::nameOf(const QString &userId) const
{
    for (const CollabClient::User &u : m_client->users())
        if (u.id == userId)
            return u.displayName;
    return userId;
}

} // namespace Optiverse::Collab
