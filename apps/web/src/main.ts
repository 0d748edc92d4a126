import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createSessionsBackend } from './createSessionsBackend.ts';
import { useSessionsStore } from './stores/useSessionsStore.ts';
import './styles/main.css';

const pinia = createPinia();
createApp(App).use(pinia).mount('#app');
useSessionsStore(pinia).startConnection(createSessionsBackend());
