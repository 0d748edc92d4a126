import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createSessionsBackend } from './createSessionsBackend.ts';
import { createAppRouter } from './router/createAppRouter.ts';
import { useSessionsStore } from './stores/useSessionsStore.ts';
import './styles/main.css';

const pinia = createPinia();
createApp(App).use(pinia).use(createAppRouter()).mount('#app');
useSessionsStore(pinia).startConnection(createSessionsBackend());
